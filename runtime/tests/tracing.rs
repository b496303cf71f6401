//! Lifecycle facts reach `tracing`: INFO for lifecycle, ERROR for an intensity exceeded, with
//! the supervisor and child as fields, and a child's own logs inside `supervisor > child` spans.
//!
//! This file holds ONE test on purpose: tracing caches each callsite's interest process-wide,
//! and a test on another thread hitting the same callsite with no subscriber can race with this
//! test's thread-local subscriber and leave the callsite disabled for it.

mod common;

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::worker::*;
use perennial_runtime::supervisor::{ChildSpec, Event, SupervisorSpec};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Level, Metadata, Subscriber};

#[derive(Clone, Debug)]
struct Logged {
    level: Level,
    fields: HashMap<String, String>,
    /// Names (and `name` fields) of the spans the event happened in, outermost first.
    spans: Vec<String>,
}

#[derive(Default)]
struct Recorder {
    next: AtomicU64,
    spans: Mutex<HashMap<u64, (String, Option<u64>)>>,
    stack: Mutex<Vec<u64>>,
    events: Mutex<Vec<Logged>>,
}

struct Fields(HashMap<String, String>);
impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(
            field.name().to_string(),
            format!("{value:?}").trim_matches('"').to_string(),
        );
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), value.to_string());
    }
}

impl Recorder {
    fn ancestry(&self, mut id: Option<u64>) -> Vec<String> {
        let spans = self.spans.lock().unwrap();
        let mut out = Vec::new();
        while let Some(i) = id {
            let Some((label, parent)) = spans.get(&i) else {
                break;
            };
            out.push(label.clone());
            id = *parent;
        }
        out.reverse();
        out
    }
}

#[derive(Clone)]
struct Rec(Arc<Recorder>);

impl Subscriber for Rec {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, attrs: &Attributes<'_>) -> Id {
        let id = self.0.next.fetch_add(1, Ordering::SeqCst) + 1;
        let mut fields = Fields(HashMap::new());
        attrs.record(&mut fields);
        let label = format!(
            "{}{}",
            attrs.metadata().name(),
            fields
                .0
                .get("name")
                .map(|n| format!("={n}"))
                .unwrap_or_default()
        );
        let parent = if attrs.is_root() {
            None
        } else {
            attrs
                .parent()
                .map(Id::into_u64)
                .or_else(|| self.0.stack.lock().unwrap().last().copied())
        };
        self.0.spans.lock().unwrap().insert(id, (label, parent));
        Id::from_u64(id)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Fields(HashMap::new());
        event.record(&mut fields);
        let current = self.0.stack.lock().unwrap().last().copied();
        let spans = self.0.ancestry(current);
        self.0.events.lock().unwrap().push(Logged {
            level: *event.metadata().level(),
            fields: fields.0,
            spans,
        });
    }
    fn enter(&self, span: &Id) {
        self.0.stack.lock().unwrap().push(span.into_u64());
    }
    fn exit(&self, span: &Id) {
        let mut stack = self.0.stack.lock().unwrap();
        if let Some(pos) = stack.iter().rposition(|s| *s == span.into_u64()) {
            stack.remove(pos);
        }
    }
}

#[tokio::test(start_paused = true)]
async fn lifecycle_events_are_logged_with_their_supervisor_and_child() {
    let recorder = Arc::new(Recorder::default());
    let _guard = tracing::subscriber::set_default(Rec(recorder.clone()));
    let log = Log::default();
    let sup = SupervisorSpec::new("app")
        .intensity(0, Duration::from_secs(5))
        .child(worker(&WorkerArgs::new("w", &log)))
        .child(ChildSpec::task("t", || async {
            tracing::info!(from = "inside", "task says hello");
            std::future::pending::<()>().await
        }))
        .start()
        .await
        .unwrap();
    let mut events = sup.subscribe();
    sup.registry()
        .lookup::<Worker>("w")
        .unwrap()
        .cast(WCast::Panic)
        .unwrap();
    events
        .wait_for(|e| matches!(e, Event::ShutDown { .. }))
        .await
        .unwrap();

    let logged = recorder.events.lock().unwrap().clone();
    let find = |needle: &str| {
        logged
            .iter()
            .find(|l| l.fields.get("message").is_some_and(|m| m.contains(needle)))
            .unwrap_or_else(|| {
                let messages: Vec<_> = logged.iter().map(|l| &l.fields).collect();
                panic!("no log containing {needle:?} in {messages:?}")
            })
    };
    let started = find("started `w`");
    assert_eq!(started.level, Level::INFO);
    assert_eq!(started.fields["supervisor"], "app");
    assert_eq!(started.fields["child"], "w");
    assert_eq!(started.spans, ["supervisor=app"]);

    let exceeded = find("reached its restart intensity");
    assert_eq!(exceeded.level, Level::ERROR);
    assert_eq!(exceeded.fields["child"], "w");

    let crashed = find("server exited");
    assert_eq!(crashed.level, Level::ERROR, "a panic is logged as an error");
    assert_eq!(crashed.fields["reason"], "panicked: w crashed");

    // A child's own logs carry the supervisor and child spans.
    let hello = find("task says hello");
    assert_eq!(hello.spans, ["supervisor=app", "child=t"]);
}
