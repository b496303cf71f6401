//! Option lists on token streams: every spelling, unknown and misplaced keys, malformed values,
//! expressions.

use quote::quote;

use crate::tree::ast::{Backoff, Given, Health, NodeKind, Restart, Setting, Shutdown, Strategy};
use crate::tree::parse::testing::*;

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
