//! Snapshots of whole expansions, so that a change in the generated code shows as a readable
//! diff: tokens -> `syn::File` -> `prettyplease` -> `insta`, as `crate::test_support` says.

use quote::quote;

use crate::gen_server::entry;
use crate::test_support::{pretty, snapshot};

#[test]
fn counter() {
    let expanded = entry(
        quote!(),
        quote! {
            impl Counter {
                async fn init(start: i64) -> Result<Self, CounterError> {
                    Ok(Counter { n: start })
                }

                /// Adds `by`.
                #[call]
                async fn add(&mut self, by: i64) -> i64 {
                    self.n += by;
                    self.n
                }

                #[call]
                fn get(&self) -> i64 {
                    self.n
                }

                #[cast]
                async fn reset(&mut self) {
                    self.n = 0
                }

                #[info]
                fn on_tick(&mut self, tick: Tick, ctx: &mut Context<Self>) {}

                #[handle_continue]
                async fn resume(&mut self, step: Step) {}

                async fn terminate(&mut self, reason: &ExitReason) {}
            }
        },
    );
    snapshot!("counter", pretty(expanded));
}

#[test]
fn options_several_init_arguments_and_no_casts() {
    let expanded = entry(
        quote!(vis = pub(crate), client = Handle, crate = ::renamed),
        quote! {
            impl Store {
                fn init(name: String, size: usize, ctx: &mut Context<Self>) -> Self {
                    Store { name, size }
                }

                #[call]
                fn merged(&self, other: Self) -> Option<Self> {
                    None
                }
            }
        },
    );
    snapshot!(
        "options_several_init_arguments_and_no_casts",
        pretty(expanded)
    );
}

#[test]
fn stand_ins_next_to_errors() {
    let expanded = entry(
        quote!(),
        quote! {
            impl Counter {
                fn init() -> Self { Counter }

                #[cast]
                fn add(&mut self, by: i64) -> i64 { by }

                #[call]
                fn ping(&self) {}

                #[info]
                fn on_tick(&mut self, tick: Tick) {}
            }
        },
    );
    snapshot!("stand_ins_next_to_errors", pretty(expanded));
}

#[test]
fn replies_given_later() {
    let expanded = entry(
        quote!(),
        quote! {
            impl Pool {
                fn init() -> Self {
                    Pool::default()
                }

                #[call]
                fn checkout(&mut self, reply: ReplyTo<Conn>) {
                    self.waiting.push(reply);
                }

                #[call]
                async fn hash(&mut self, data: Vec<u8>, ctx: &mut Context<Self>, reply: ReplyTo<u64>) {}

                #[call]
                fn size(&self) -> usize {
                    self.waiting.len()
                }
            }
        },
    );
    snapshot!("replies_given_later", pretty(expanded));
}

#[test]
fn a_down_handler() {
    let expanded = entry(
        quote!(),
        quote! {
            impl Watcher {
                fn init() -> Self {
                    Watcher
                }

                #[down]
                async fn on_down(&mut self, ctx: &mut Context<Self>, down: Down) {}
            }
        },
    );
    snapshot!("a_down_handler", pretty(expanded));
}
