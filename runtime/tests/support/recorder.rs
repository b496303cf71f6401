//! A `tracing` subscriber that records every event with its level, fields and spans.

use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Level, Metadata, Subscriber};

#[derive(Clone, Debug)]
pub struct Logged {
    pub level: Level,
    pub fields: HashMap<String, String>,
    /// Names (and `name` fields) of the spans the event happened in, outermost first.
    pub spans: Vec<String>,
}

#[derive(Default)]
pub struct Recorder {
    next: AtomicU64,
    spans: Mutex<HashMap<u64, (String, Option<u64>)>>,
    stack: Mutex<Vec<u64>>,
    pub events: Mutex<Vec<Logged>>,
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
pub struct Rec(pub Arc<Recorder>);

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
