//! The parser on token streams: the tree, its node kinds and siblings, and structural mistakes.

use quote::quote;

use crate::test_support::messages_of;
use crate::tree::ast::{
    DynamicSupervisor, Health, InitArg, Node, NodeKind, Restart, Server, Shutdown, Strategy,
    Supervisor, Task,
};
use crate::tree::parse::testing::*;

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
