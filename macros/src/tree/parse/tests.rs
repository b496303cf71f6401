//! The parser on token streams: the AST of valid trees, and the messages of invalid ones.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};

use super::*;
use crate::test_support::messages_of;
use crate::tree::ast::{
    Backoff, DynamicSupervisor, Given, Health, Restart, Server, Setting, Shutdown, Strategy,
    Supervisor, Task,
};

/// Strict parse: the tree, or a panic with every message.
fn tree(tokens: TokenStream) -> Tree {
    match syn::parse2::<Tree>(tokens) {
        Ok(tree) => tree,
        Err(error) => panic!("{:?}", messages_of(error)),
    }
}

/// Recovering parse: the best-effort tree and every message.
fn parse(tokens: TokenStream) -> (Option<Tree>, Vec<String>) {
    let mut errors = Errors::default();
    let tree = parse_tree(tokens, &mut errors);
    let messages = errors.finish().err().map(messages_of).unwrap_or_default();
    (tree, messages)
}

fn messages(tokens: TokenStream) -> Vec<String> {
    parse(tokens).1
}

fn one_message(tokens: TokenStream) -> String {
    let messages = messages(tokens);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    messages.into_iter().next().unwrap_or_default()
}

fn text(tokens: impl ToTokens) -> String {
    tokens.to_token_stream().to_string()
}

fn server(node: &Node) -> &Server {
    match &node.kind {
        NodeKind::Server(server) => server,
        other => panic!("not a server: {other:?}"),
    }
}

fn supervisor(node: &Node) -> &Supervisor {
    match &node.kind {
        NodeKind::Supervisor(supervisor) => supervisor,
        other => panic!("not a supervisor: {other:?}"),
    }
}

fn names(children: &[Node]) -> Vec<String> {
    children
        .iter()
        .map(|child| child.name.to_string())
        .collect()
}

fn millis(setting: &Option<crate::tree::ast::Setting<crate::tree::ast::Duration>>) -> Option<u64> {
    setting
        .as_ref()
        .and_then(|setting| setting.lit())
        .map(|d| d.millis)
}

#[test]
fn a_tree_of_every_node_kind_parses_with_its_options() {
    let tree = tree(quote! {
        app: supervisor(strategy = one_for_one, max_restarts = 3, within = 5s) {
            cache: Cache(1024) { restart = permanent, shutdown = 5s,
                                 health = { interval = 30s, timeout = 5s, failures = 3 } },
            metrics: task(metrics_loop, port) { restart = transient },
            jobs: dynamic_supervisor<Job>(max_children = 100),
            db: supervisor(strategy = rest_for_one) {
                pool: DbPool(url.clone()),
                writer: Writer(pool),
            },
        }
    });
    assert_eq!(tree.name, "app");
    let root = &tree.root;
    assert_eq!(
        root.strategy.as_ref().and_then(|s| s.lit().copied()),
        Some(Strategy::OneForOne)
    );
    assert_eq!(
        root.limits
            .max_restarts
            .as_ref()
            .and_then(|s| s.lit().copied()),
        Some(3)
    );
    assert_eq!(millis(&root.limits.within), Some(5_000));
    assert_eq!(names(&root.children), ["cache", "metrics", "jobs", "db"]);

    let cache = server(&root.children[0]);
    assert_eq!(text(&cache.ty), "Cache");
    assert!(matches!(&cache.args[..], [InitArg::Expr(arg)] if text(arg) == "1024"));
    assert_eq!(cache.child.restart_or_default(), Some(Restart::Permanent));
    assert_eq!(
        cache.child.shutdown.as_ref().and_then(|s| s.lit().copied()),
        Some(Shutdown::Timeout(crate::tree::ast::Duration {
            millis: 5_000
        }))
    );
    let Some(Health::On(check)) = cache.health.as_ref().and_then(|s| s.lit()) else {
        panic!("health is on: {:?}", cache.health);
    };
    assert_eq!(millis(&check.interval), Some(30_000));
    assert_eq!(millis(&check.timeout), Some(5_000));
    assert_eq!(
        check.failures.as_ref().and_then(|s| s.lit().copied()),
        Some(3)
    );

    let NodeKind::Task(metrics) = &root.children[1].kind else {
        panic!("metrics is a task");
    };
    assert_eq!(text(&metrics.function), "metrics_loop");
    assert!(matches!(&metrics.args[..], [InitArg::Expr(arg)] if text(arg) == "port"));
    assert_eq!(metrics.child.restart_or_default(), Some(Restart::Transient));

    let NodeKind::Dynamic(jobs) = &root.children[2].kind else {
        panic!("jobs is a dynamic supervisor");
    };
    assert_eq!(text(&jobs.child_ty), "Job");
    assert_eq!(
        jobs.max_children.as_ref().and_then(|s| s.lit().copied()),
        Some(100)
    );

    let db = supervisor(&root.children[3]);
    assert_eq!(
        db.strategy.as_ref().and_then(|s| s.lit().copied()),
        Some(Strategy::RestForOne)
    );
    assert_eq!(names(&db.children), ["pool", "writer"]);
    assert!(
        matches!(&server(&db.children[0]).args[..], [InitArg::Expr(arg)] if text(arg) == "url . clone ()")
    );
    assert!(matches!(
        &server(&db.children[1]).args[..],
        [InitArg::Sibling(sibling)] if sibling.name == "pool" && sibling.index == 0
    ));
}

#[test]
fn the_smallest_tree() {
    let tree = tree(quote!(app: supervisor { cache: Cache }));
    let root = &tree.root;
    assert!(root.strategy.is_none() && root.limits.max_restarts.is_none());
    let cache = server(&root.children[0]);
    assert!(cache.args.is_empty() && cache.health.is_none());
    assert_eq!(cache.child.restart_or_default(), Some(Restart::Permanent));
}

#[test]
fn type_paths_and_generics() {
    let tree = tree(quote! {
        app: supervisor {
            a: Lru<String, u32>(16),
            b: caches::Lru::<u8>(),
            c: ::other::Cache { restart = temporary },
            d: crate::servers::Db(),
            e: dynamic_supervisor<jobs::Job<u8>>,
        },
    });
    let types: Vec<String> = tree.root.children[..4]
        .iter()
        .map(|child| text(&server(child).ty))
        .collect();
    assert_eq!(
        types,
        [
            "Lru < String , u32 >",
            "caches :: Lru :: < u8 >",
            ":: other :: Cache",
            "crate :: servers :: Db"
        ]
    );
    let NodeKind::Dynamic(e) = &tree.root.children[4].kind else {
        panic!("e is dynamic");
    };
    assert_eq!(text(&e.child_ty), "jobs :: Job < u8 >");
}

#[test]
fn every_option_spelling() {
    let tree = tree(quote! {
        app: supervisor(strategy = one_for_all, max_restarts = 0, within = 1m) {
            a: A() { restart = temporary, shutdown = brutal_kill, health = off, backoff = off },
            b: B() { shutdown = infinity, health = on, backoff = on },
            c: task(|x| async move { x }, 1) {
                backoff = { initial = 100ms, factor = 1.5, max = 2h },
            },
            d: supervisor(restart = transient, shutdown = infinity, backoff = { factor = 2 }) {
                e: E(),
            },
            f: dynamic_supervisor<F>(max_restarts = 1, within = 500ms, restart = temporary,
                children = { restart = transient, shutdown = 1s, health = { failures = 1 } }),
        }
    });
    let root = &tree.root;
    assert_eq!(
        root.strategy.as_ref().and_then(|s| s.lit().copied()),
        Some(Strategy::OneForAll)
    );
    assert_eq!(millis(&root.limits.within), Some(60_000));

    let a = server(&root.children[0]);
    assert_eq!(a.child.restart_or_default(), Some(Restart::Temporary));
    assert_eq!(
        a.child.shutdown.as_ref().and_then(|s| s.lit().copied()),
        Some(Shutdown::BrutalKill)
    );
    assert!(matches!(
        a.health.as_ref().and_then(|s| s.lit()),
        Some(Health::Off)
    ));
    assert!(matches!(
        a.child.backoff.as_ref().and_then(|s| s.lit()),
        Some(Backoff::Off)
    ));

    let b = server(&root.children[1]);
    assert_eq!(
        b.child.shutdown.as_ref().and_then(|s| s.lit().copied()),
        Some(Shutdown::Infinity)
    );
    assert!(matches!(
        b.health.as_ref().and_then(|s| s.lit()),
        Some(Health::On(check)) if check.interval.is_none() && check.failures.is_none()
    ));
    assert!(matches!(
        b.child.backoff.as_ref().and_then(|s| s.lit()),
        Some(Backoff::On(_))
    ));

    let NodeKind::Task(c) = &root.children[2].kind else {
        panic!("c is a task");
    };
    assert_eq!(text(&c.function), "| x | async move { x }");
    let Some(Backoff::On(policy)) = c.child.backoff.as_ref().and_then(|s| s.lit()) else {
        panic!("backoff is on");
    };
    assert_eq!(millis(&policy.initial), Some(100));
    assert_eq!(
        policy.factor.as_ref().and_then(|s| s.lit().copied()),
        Some(1.5)
    );
    assert_eq!(millis(&policy.max), Some(7_200_000));

    let d = supervisor(&root.children[3]);
    assert_eq!(d.child.restart_or_default(), Some(Restart::Transient));

    let NodeKind::Dynamic(f) = &root.children[4].kind else {
        panic!("f is dynamic");
    };
    assert_eq!(f.child.restart_or_default(), Some(Restart::Temporary));
    assert_eq!(f.children.restart_or_default(), Some(Restart::Transient));
    assert!(matches!(
        f.children_health.as_ref().and_then(|s| s.lit()),
        Some(Health::On(check)) if check.failures.as_ref().and_then(|s| s.lit().copied()) == Some(1)
    ));
}

#[test]
fn only_a_bare_earlier_sibling_is_a_client() {
    let tree = tree(quote! {
        app: supervisor {
            pool: Pool(),
            a: A(pool, (pool), pool.clone(), self::pool, { pool }, later),
            b: task(pool, pool),
            later: B(),
            pool_again: supervisor { c: C(pool) },
        }
    });
    let a = server(&tree.root.children[1]);
    let kinds: Vec<bool> = a
        .args
        .iter()
        .map(|arg| matches!(arg, InitArg::Sibling(_)))
        .collect();
    assert_eq!(kinds, [true, false, false, false, false, false]);
    let NodeKind::Task(b) = &tree.root.children[2].kind else {
        panic!("b is a task");
    };
    assert_eq!(text(&b.function), "pool", "the function is never a client");
    assert!(matches!(&b.args[..], [InitArg::Sibling(s)] if s.index == 0));
    let nested = supervisor(&tree.root.children[4]);
    assert!(
        matches!(&server(&nested.children[0]).args[..], [InitArg::Expr(_)]),
        "an uncle is not a sibling"
    );
}

#[test]
fn each_node_kind_parses_on_its_own() {
    let task: Task = syn::parse2(quote!(task(run, 1, 2) { restart = transient })).unwrap();
    assert_eq!(task.args.len(), 2);
    let server: Server = syn::parse2(quote!(Cache(1024) { health = off })).unwrap();
    assert_eq!(text(&server.ty), "Cache");
    let dynamic: DynamicSupervisor =
        syn::parse2(quote!(dynamic_supervisor<Job>(max_children = 10))).unwrap();
    assert_eq!(
        dynamic.max_children.and_then(|s| s.lit().copied()),
        Some(10)
    );
    let supervisor: Supervisor = syn::parse2(quote!(supervisor { a: A, b: B(a) })).unwrap();
    assert!(matches!(
        supervisor.children[1].kind.args(),
        [InitArg::Sibling(_)]
    ));
    let node: Node = syn::parse2(quote!(jobs: dynamic_supervisor<Job>)).unwrap();
    assert_eq!(node.kind.describe(), "a dynamic_supervisor");
    let kind: NodeKind = syn::parse2(quote!(task(f))).unwrap();
    assert_eq!(kind.describe(), "a task child");
}

#[test]
fn a_strict_parse_fails_on_a_recovered_mistake() {
    let error = syn::parse2::<Server>(quote!(Cache(1) { restart = sometimes })).unwrap_err();
    assert_eq!(
        messages_of(error),
        [
            "unknown restart type `sometimes`; expected one of `permanent`, `transient`, `temporary`; if `sometimes` is a variable of type `Restart`, write `restart = (sometimes)`"
        ]
    );
}

#[test]
fn unknown_values_list_the_allowed_ones_and_the_nearest() {
    assert_eq!(
        one_message(quote!(app: supervisor(strategy = one_for_al) { a: A })),
        "unknown strategy `one_for_al`; expected one of `one_for_one`, `one_for_all`, `rest_for_one`; did you mean `one_for_all`?"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { restart = Permanent } })),
        "unknown restart type `Permanent`; expected one of `permanent`, `transient`, `temporary`; did you mean `permanent`?"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { shutdown = brutal } })),
        "unknown shutdown `brutal`; expected `brutal_kill`, `infinity` or a duration such as `5s`; did you mean `brutal_kill`?"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(strategy = simple_one_for_one) { a: A })),
        "`simple_one_for_one` is written as a child of its own: `name: dynamic_supervisor<ChildType>(max_children = ..)`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(strategy = 1) { a: A })),
        "expected a strategy, one of `one_for_one`, `one_for_all`, `rest_for_one`; found `1`"
    );
}

#[test]
fn scope_is_a_word_of_a_gen_server_or_task_child() {
    let (tree, errors) =
        parse(quote!(app: supervisor { a: A { scope = global }, b: task(f) { scope = local } }));
    assert_eq!(errors, Vec::<String>::new());
    let tree = tree.expect("parses");
    let globals: Vec<bool> = tree
        .root
        .children
        .iter()
        .map(|c| c.kind.child_options().is_global())
        .collect();
    assert_eq!(globals, [true, false]);
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { scope = globl } })),
        "unknown scope `globl`; expected one of `local`, `global` (a word: the scope decides at compile time how the tree starts); did you mean `global`?"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { scope = (s) } })),
        "expected a scope, one of `local`, `global`; found `(s)`"
    );
    assert!(
        one_message(quote!(app: supervisor(scope = global) { a: A })).starts_with(
            "a supervisor is not global: mark the gen_server and task children of the root"
        )
    );
}

#[test]
fn export_is_a_word_of_a_gen_server_child() {
    let (tree, errors) = parse(quote!(app: supervisor {
        a: A { scope = global, export = true },
        b: A { scope = global, export = false },
        c: A { scope = global },
    }));
    assert_eq!(errors, Vec::<String>::new());
    let tree = tree.expect("parses");
    let exports: Vec<Option<bool>> = tree
        .root
        .children
        .iter()
        .map(|c| {
            let export = c.kind.child_options().export.as_ref();
            export.and_then(|e| e.lit()).copied()
        })
        .collect();
    assert_eq!(exports, [Some(true), Some(false), None]);
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { export = ture } })),
        "expected `true` or `false` for `export`, found `ture` (a word: whether a child is exported decides at compile time what its server must be); did you mean `true`?"
    );
    assert!(
        one_message(quote!(app: supervisor { t: task(f) { export = true } }))
            .starts_with("a task child has no mailbox to call")
    );
}

#[test]
fn unknown_and_misplaced_options() {
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { restrat = permanent } })),
        "unknown option `restrat` for a gen_server child; expected one of `restart`, `shutdown`, `health`, `backoff`, `significant`, `groups`, `scope`, `export`; did you mean `restart`?"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: task(f) { helth = off } })),
        "unknown option `helth`; did you mean `health`? (health checks ping a gen_server; a task child has no mailbox to answer them; allowed here: `restart`, `shutdown`, `backoff`, `significant`, `scope`)"
    );
    // The root lists only its own options; a nested supervisor also how its parent treats it.
    assert_eq!(
        one_message(quote!(app: supervisor(max_children = 3) { a: A })),
        "`max_children` is an option of a dynamic_supervisor; a supervisor has exactly the children listed in its `{ .. }`; allowed here: `strategy`, `max_restarts`, `within`, `auto_shutdown`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { db: supervisor(max_children = 3) { a: A } })),
        "`max_children` is an option of a dynamic_supervisor; a supervisor has exactly the children listed in its `{ .. }`; allowed here: `strategy`, `max_restarts`, `within`, `auto_shutdown`, `restart`, `shutdown`, `backoff`, `significant`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(stratgy = one_for_all) { a: A })),
        "unknown option `stratgy` for the root supervisor; expected one of `strategy`, `max_restarts`, `within`, `auto_shutdown`; did you mean `strategy`?"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(restrat = permanent) { a: A })),
        "unknown option `restrat`; did you mean `restart`? (the root supervisor has no parent to restart or stop it; allowed here: `strategy`, `max_restarts`, `within`, `auto_shutdown`)"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { db: supervisor(restrat = permanent) { a: A } })),
        "unknown option `restrat` for a supervisor; expected one of `strategy`, `max_restarts`, `within`, `auto_shutdown`, `restart`, `shutdown`, `backoff`, `significant`; did you mean `restart`?"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { j: dynamic_supervisor<J>(strategy = one_for_all) })),
        "a dynamic_supervisor has no `strategy`: the children it starts are independent, as with `one_for_one`; allowed here: `max_children`, `max_restarts`, `within`, `restart`, `shutdown`, `backoff`, `children`, `significant`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { within = 5s } })),
        "`within` is an option of a supervisor, not of a gen_server child; allowed here: `restart`, `shutdown`, `health`, `backoff`, `significant`, `groups`, `scope`, `export`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { health = { restart = permanent } } })),
        "`restart` is an option of a child, not of `health`; allowed here: `interval`, `timeout`, `failures`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { timeout = 1s } })),
        "`timeout` is a setting of the health check: write `health = { timeout = .. }`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { intervl = 1s } })),
        "unknown option `intervl`; did you mean `interval`? (`interval` is a setting of the health check: write `health = { interval = .. }`)"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: task(f) { initial = 1s } })),
        "`initial` is a setting of the restart delay: write `backoff = { initial = .. }`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { health = { max = 1s } } })),
        "`max` is a setting of `backoff`, not of `health`; allowed here: `interval`, `timeout`, `failures`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { backoff = { initial = 1s, growth = 2 } } })),
        "unknown option `growth` for `backoff`; expected one of `initial`, `factor`, `max`"
    );
}

#[test]
fn an_option_given_twice_is_shown_at_both_places() {
    assert_eq!(
        messages(quote!(app: supervisor { a: A { restart = permanent, restart = temporary } })),
        ["`restart` is given twice", "`restart` is first given here"]
    );
    assert_eq!(
        messages(quote!(app: supervisor { a: A { health = { failures = 1, failures = 2 } } })),
        [
            "`failures` is given twice",
            "`failures` is first given here"
        ]
    );
}

#[test]
fn malformed_options() {
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { permanent } })),
        "`permanent` needs its key: write `restart = permanent`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { restart } })),
        "`restart` needs a value: write `restart = ..`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { restart: permanent } })),
        "expected `=` after `restart`, found `:`: options are written `key = value`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { 5 = x } })),
        "expected an option of a gen_server child (`restart`, `shutdown`, `health`, `backoff`, `significant`, `groups`, `scope`, `export`), found `5`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { , restart = permanent } })),
        "expected an option before this `,`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(max_restarts = ) { a: A })),
        "`max_restarts` needs a value after `=`: a whole number such as `3`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(max_restarts = 3s) { a: A })),
        "`max_restarts` is a count, not a duration: write `3`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(max_restarts = -1) { a: A })),
        "`max_restarts` can't be negative: expected a whole number"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(max_restarts = 99999999999999999999) { a: A })),
        "`99999999999999999999` is too large for `max_restarts`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(max_restarts = 3u8) { a: A })),
        "write `max_restarts` without a type suffix: `3`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(within = 5) { a: A })),
        "`5` has no unit: write `5s` or `5ms` (units: `ms`, `s`, `m`, `h`)"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { health = yes } })),
        "unknown value `yes` for `health`; expected `off`, `on` or a block of `interval`, `timeout`, `failures`, e.g. `health = { interval = 30s, timeout = 5s, failures = 3 }`; did you mean `on`?"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { backoff = { factor = 2s } } })),
        "expected a number such as `2` or `1.5` for `factor`, found `2s`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { j: dynamic_supervisor<J> { a: J(1) } })),
        "a dynamic_supervisor lists no children: it starts them at run time with `start_child`; options of those children go in its `( .. )`, as `children = { restart = temporary }`"
    );
}

/// Whether a setting holds a Rust expression, and which.
fn expr<T>(setting: &Option<Setting<T>>) -> Option<String> {
    match &setting.as_ref()?.value {
        Given::Expr(expr) => Some(text(expr)),
        Given::Lit(_) => None,
    }
}

#[test]
fn options_take_expressions() {
    let (tree, messages) = parse(quote! {
        app: supervisor(strategy = cfg.strategy, max_restarts = n, within = Duration::from_secs(n)) {
            a: A { restart = Restart::Transient, shutdown = (grace), health = Some(check),
                   backoff = { initial = cfg.initial, factor = 2, max = 10s } },
            j: dynamic_supervisor<J>(max_children = limit, children = { health = { interval = every } }),
        }
    });
    assert!(messages.is_empty(), "{messages:#?}");
    let Some(tree) = tree else {
        panic!("no tree");
    };
    let root = &tree.root;
    assert_eq!(expr(&root.strategy).as_deref(), Some("cfg . strategy"));
    assert_eq!(expr(&root.limits.max_restarts).as_deref(), Some("n"));
    assert_eq!(
        expr(&root.limits.within).as_deref(),
        Some("Duration :: from_secs (n)")
    );
    let a = server(&root.children[0]);
    assert_eq!(
        expr(&a.child.restart).as_deref(),
        Some("Restart :: Transient")
    );
    assert_eq!(a.child.restart_or_default(), None);
    assert_eq!(expr(&a.child.shutdown).as_deref(), Some("(grace)"));
    assert_eq!(expr(&a.health).as_deref(), Some("Some (check)"));
    let Some(Given::Lit(Backoff::On(policy))) = a.child.backoff.as_ref().map(|s| &s.value) else {
        panic!("backoff is not a block");
    };
    assert_eq!(expr(&policy.initial).as_deref(), Some("cfg . initial"));
    assert_eq!(
        policy.factor.as_ref().and_then(|s| s.lit().copied()),
        Some(2.0)
    );
    assert_eq!(
        policy.max.as_ref().and_then(|s| s.lit()).map(|d| d.millis),
        Some(10_000)
    );
    let NodeKind::Dynamic(j) = &root.children[1].kind else {
        panic!("not a dynamic supervisor");
    };
    assert_eq!(expr(&j.max_children).as_deref(), Some("limit"));
    let Some(Given::Lit(Health::On(check))) = j.children_health.as_ref().map(|s| &s.value) else {
        panic!("children's health is not a block");
    };
    assert_eq!(expr(&check.interval).as_deref(), Some("every"));
}

#[test]
fn a_bare_word_is_the_dsl_s_where_values_are_words() {
    assert_eq!(
        one_message(quote!(app: supervisor(strategy = my_strategy) { a: A })),
        "unknown strategy `my_strategy`; expected one of `one_for_one`, `one_for_all`, `rest_for_one`; if `my_strategy` is a variable of type `Strategy`, write `strategy = (my_strategy)`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A { health = None } })),
        "unknown value `None` for `health`; expected `off`, `on` or a block of `interval`, `timeout`, `failures`, e.g. `health = { interval = 30s, timeout = 5s, failures = 3 }`; did you mean `off`?"
    );
    // Quotes are refused, as before: no option takes a string.
    assert_eq!(
        one_message(quote!(app: supervisor(within = "5s") { a: A })),
        "option values are written without quotes: write `within = 5s`"
    );
}

#[test]
fn structural_mistakes() {
    assert_eq!(
        one_message(quote!()),
        "empty supervision tree: write one root supervisor, as in `app: supervisor(strategy = one_for_one) { cache: Cache(1024) }`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor {})),
        "a supervisor needs at least one child, as in `{ cache: Cache(1024) }`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor(strategy = one_for_one))),
        "a supervisor needs its children in `{ .. }` after it, as in `supervisor(strategy = one_for_one) { cache: Cache(1024) }`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { m: task() })),
        "a task needs a function to run: `task(my_async_fn, args..)`, called with the arguments at each start"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { m: task { restart = permanent } })),
        "a task needs a function to run: `task(my_async_fn, args..)`, called with the arguments at each start"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { j: dynamic_supervisor(max_children = 1) })),
        "a dynamic_supervisor needs the gen_server type of the children it starts, as in `dynamic_supervisor<Job>(max_children = 100)`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: supervisr { b: B } })),
        "unknown kind of child `supervisr`; expected a gen_server type (`Cache(..)`), `task(..)`, `supervisor(..) { .. }` or `dynamic_supervisor<Type>(..)`; did you mean `supervisor`?"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { DbPool(1) })),
        "this child has no name; a child is written `name: kind`, as in `db_pool: DbPool(..)`"
    );
    assert_eq!(
        one_message(quote!(supervisor { a: A })),
        "this child has no name; a child is written `name: kind`, as in `app: supervisor { .. }`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a A })),
        "expected `:` after `a`; a child is written `name: kind`, as in `cache: Cache(1024)`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { j: dynamic_supervisr<J> })),
        "unknown kind of child `dynamic_supervisr`; expected a gen_server type (`Cache(..)`), `task(..)`, `supervisor(..) { .. }` or `dynamic_supervisor<Type>(..)`; did you mean `dynamic_supervisor`?"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: 5 })),
        "expected a child: a gen_server `Type(args)`, `task(function, args)`, `supervisor(options) { children }` or `dynamic_supervisor<Type>(options)`"
    );
    assert_eq!(
        one_message(quote!(cache: Cache(1))),
        "the root of a tree is a supervisor, and `cache` is a gen_server child; put it inside one: `app: supervisor { cache: .. }`"
    );
    assert_eq!(
        one_message(quote!(app: supervisor { a: A }, other: supervisor { b: B })),
        "a tree has one root; declare `other` inside the root supervisor `app`"
    );
}

#[test]
fn a_bad_child_is_skipped_and_the_rest_still_parsed() {
    let (tree, messages) = parse(quote! {
        app: supervisor {
            a: A(1 +),
            b: supervisr,
            c: C() d: D(),
            e: E() garbage here,
            f: F { restart = sometimes },
            g: G(),
        }
    });
    assert_eq!(
        messages,
        [
            "unexpected end of input, expected an expression",
            "unknown kind of child `supervisr`; expected a gen_server type (`Cache(..)`), `task(..)`, `supervisor(..) { .. }` or `dynamic_supervisor<Type>(..)`; did you mean `supervisor`?",
            "expected `,` after the child `c`",
            "expected `,` after the child `e`, or the end of the list",
            "unknown restart type `sometimes`; expected one of `permanent`, `transient`, `temporary`; if `sometimes` is a variable of type `Restart`, write `restart = (sometimes)`",
        ]
    );
    let tree = tree.unwrap();
    assert_eq!(names(&tree.root.children), ["c", "d", "e", "f", "g"]);
}

#[test]
fn a_tree_whose_every_node_fails_reports_each_failure_once() {
    let (tree, messages) = parse(quote!(app: supervisr { a: A }));
    assert!(tree.is_none());
    assert_eq!(messages.len(), 1, "{messages:?}");
}

#[test]
fn the_header_of_the_item_form() {
    let tree = tree(quote! {
        /// The application.
        #[derive(Default)]
        pub(crate) struct App(cache_size: usize, urls: Vec<String>, name: &'static str,);
        app: supervisor { cache: Cache(cache_size) }
    });
    let Some(header) = &tree.header else {
        panic!("the header is read");
    };
    assert_eq!(header.ident, "App");
    assert_eq!(header.attrs.len(), 2);
    assert_eq!(text(&header.vis), "pub (crate)");
    let params: Vec<String> = header
        .params
        .iter()
        .map(|param| format!("{}: {}", param.name, text(&param.ty)))
        .collect();
    assert_eq!(
        params,
        [
            "cache_size: usize",
            "urls: Vec < String >",
            "name: & 'static str"
        ]
    );
    assert_eq!(tree.name, "app");
}

#[test]
fn a_header_without_parameters_or_visibility() {
    for tokens in [
        quote!(struct App; app: supervisor { a: A }),
        quote!(struct App(); app: supervisor { a: A }),
    ] {
        let tree = tree(tokens);
        let header = tree
            .header
            .as_ref()
            .map(|h| (h.ident.to_string(), h.params.len()));
        assert_eq!(header, Some(("App".to_owned(), 0)));
        assert!(matches!(
            tree.header.as_ref().map(|h| &h.vis),
            Some(syn::Visibility::Inherited)
        ));
    }
    assert!(tree(quote!(app: supervisor { a: A })).header.is_none());
    // A node named like an item keyword is a node (with an invalid name), not a header.
    let (parsed, _) = parse(quote!(type: supervisor { a: A }));
    assert!(parsed.is_some_and(|tree| tree.header.is_none()));
}

#[test]
fn mistakes_in_the_header() {
    assert_eq!(
        one_message(quote!(pub struct App<T>(size: T); app: supervisor { a: A })),
        "a tree's type can't be generic: its parameters are values, written in `( .. )`, as in `pub struct App(cache_size: usize);`"
    );
    assert_eq!(
        one_message(quote!(pub struct App { size: usize } app: supervisor { a: A })),
        "a tree's parameters are written in `( .. )`, like a function's, as in `pub struct App(cache_size: usize);`; its fields are its children"
    );
    assert_eq!(
        one_message(quote!(pub struct App(size); app: supervisor { a: A })),
        "the parameter `size` needs a type: `size: Type`, as in `size: usize`"
    );
    assert_eq!(
        one_message(quote!(pub struct App(size: usize) app: supervisor { a: A })),
        "expected `;` after the header `struct App(..)`, then the tree, as in `pub struct App(cache_size: usize);` `app: supervisor { .. }`"
    );
    assert_eq!(
        one_message(quote!(pub enum App; app: supervisor { a: A })),
        "expected `struct`: the header of a tree names its type as a struct, as in `pub struct App(cache_size: usize);`"
    );
    assert_eq!(
        one_message(quote!(struct App(name: &str); app: supervisor { a: A })),
        "the parameter `name` borrows, but the tree keeps its init arguments for restarts: take an owned value (`String` rather than `&str`) or a `&'static` one"
    );
    assert_eq!(
        one_message(quote!(struct App(self); app: supervisor { a: A })),
        "`self` can't be a parameter of a tree: parameters are the values passed to its `start(..)`, written `name: Type`"
    );
    assert_eq!(
        one_message(quote!(struct App(mut n: u8); app: supervisor { a: A })),
        "write the parameter without `mut`: it is only read, to make the init arguments"
    );
    assert_eq!(
        one_message(quote!(struct App(a: u8 b: u8); app: supervisor { a: A })),
        "expected `,` between two parameters"
    );
    assert_eq!(
        one_message(quote!(struct App where u8: Copy; app: supervisor { a: A })),
        "a tree's type can't be generic, so it has no `where` clause"
    );
    assert_eq!(
        one_message(quote!(pub struct App(size: usize);)),
        "the tree `App` has no root supervisor: write it after the header, as in `app: supervisor { cache: Cache(1024) }`"
    );
    assert_eq!(
        one_message(quote!(struct App; struct Other; app: supervisor { a: A })),
        "a tree has one header; its type and parameters are written once, before the tree"
    );
}

#[test]
fn a_broken_header_does_not_hide_the_mistakes_of_the_tree() {
    // Two bad parameters, then a bad option: three messages, and the tree is still read.
    let (parsed, messages) = parse(quote! {
        pub struct App(a, b: u8, c);
        app: supervisor(strategy = one_for_al) { a: A }
    });
    assert_eq!(messages.len(), 3, "{messages:#?}");
    assert!(messages[2].starts_with("unknown strategy `one_for_al`"));
    let parsed = parsed.expect("the tree is read");
    assert_eq!(parsed.header.map(|h| h.params.len()), Some(1));
    // Another item keyword is reported and read as `struct`.
    let (parsed, messages) = parse(quote!(pub enum App; app: supervisor { a: A }));
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(parsed.is_some_and(|tree| tree.header.is_some_and(|h| h.ident == "App")));
    // A header that can't be read at all is skipped up to its `;`.
    let (parsed, messages) = parse(quote!(pub 42 App; app: supervisor { a: A }));
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert!(parsed.is_some_and(|tree| tree.header.is_none() && tree.name == "app"));
}
