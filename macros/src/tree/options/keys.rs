//! Option keys: where each may be written ([`Place`]), what it takes, and the words people
//! reach for instead (OTP's, other libraries', a value without its key).

use syn::Ident;

use crate::errors::Errors;
use crate::suggest::did_you_mean;
use crate::text::{Unknown, list};

/// Where an option list is written; decides which keys it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    /// `supervisor( .. )` of the root: it has no parent, so only its own options.
    Root,
    /// `supervisor( .. )` of a nested supervisor: its own options and how its parent treats it.
    Supervisor,
    /// `dynamic_supervisor<T>( .. )`
    Dynamic,
    /// `dynamic_supervisor<T>(children = { .. })`: options of the children it will start.
    DynamicChildren,
    /// `Type(args) { .. }`
    Server,
    /// `task(f, args) { .. }`
    Task,
    /// `health = { .. }`
    Health,
    /// `backoff = { .. }`
    Backoff,
}

impl Place {
    pub(crate) fn allowed(self) -> &'static [&'static str] {
        match self {
            Place::Root => &["strategy", "max_restarts", "within", "auto_shutdown"],
            Place::Supervisor => &[
                "strategy",
                "max_restarts",
                "within",
                "auto_shutdown",
                "restart",
                "shutdown",
                "backoff",
                "significant",
            ],
            Place::Dynamic => &[
                "max_children",
                "max_restarts",
                "within",
                "restart",
                "shutdown",
                "backoff",
                "children",
                "significant",
            ],
            Place::DynamicChildren => &["restart", "shutdown", "health", "backoff"],
            Place::Server => &[
                "restart",
                "shutdown",
                "health",
                "backoff",
                "significant",
                "groups",
                "scope",
                "export",
            ],
            Place::Task => &["restart", "shutdown", "backoff", "significant", "scope"],
            Place::Health => &["interval", "timeout", "failures"],
            Place::Backoff => &["initial", "factor", "max"],
        }
    }

    pub(super) fn describe(self) -> &'static str {
        match self {
            Place::Root => "the root supervisor",
            Place::Supervisor => "a supervisor",
            Place::Dynamic => "a dynamic_supervisor",
            Place::DynamicChildren => "the children of a dynamic_supervisor",
            Place::Server => "a gen_server child",
            Place::Task => "a task child",
            Place::Health => "`health`",
            Place::Backoff => "`backoff`",
        }
    }

    /// Why a key that is valid somewhere else is not valid here.
    pub(super) fn misplaced(self, key: &str) -> Option<String> {
        let allowed = list(self.allowed());
        let reason = match (key, self) {
            ("health", Place::Task) => {
                "health checks ping a gen_server; a task child has no mailbox to answer them"
            }
            ("health", Place::Supervisor | Place::Root) => {
                "health checks ping gen_server children; a supervisor is not pinged"
            }
            ("health", Place::Dynamic) => {
                "health checks ping gen_server children; a dynamic_supervisor is not pinged (to check the children it starts, write `children = { health = .. }`)"
            }
            ("children", _) => {
                return Some(format!(
                    "`children` holds the options of the children a dynamic_supervisor starts; {} has none; allowed here: {allowed}",
                    self.describe()
                ));
            }
            ("groups", Place::Task | Place::Supervisor | Place::Dynamic) => {
                "`groups` puts a gen_server child in process groups; only a gen_server is a member a group can call or cast to"
            }
            ("export", Place::Task) => {
                "a task child has no mailbox to call: only a gen_server child can be called from other nodes"
            }
            ("export", Place::Supervisor | Place::Root | Place::Dynamic) => {
                "a supervisor is not called from other nodes: mark the gen_server children of the root that are `{ scope = global, export = true }`"
            }
            ("export", Place::DynamicChildren) => {
                "the children of a dynamic_supervisor run on the node that starts them and have no global name to be called by"
            }
            ("scope", Place::Supervisor | Place::Root) => {
                "a supervisor is not global: mark the gen_server and task children of the root that must run once in the cluster `scope = global`"
            }
            ("scope", Place::Dynamic) => {
                "a dynamic_supervisor is not global: the children it starts run on the node that starts them"
            }
            ("scope", Place::DynamicChildren) => {
                "the children of a dynamic_supervisor run on the node that starts them; they can't be global"
            }
            ("auto_shutdown", Place::Dynamic) => {
                "a dynamic_supervisor has no `auto_shutdown`: it does not shut down when its children end (OTP refuses it for simple_one_for_one)"
            }
            ("significant", Place::DynamicChildren) => {
                "the children of a dynamic_supervisor can't be `significant`: a dynamic_supervisor has no `auto_shutdown`"
            }
            ("auto_shutdown", _) => {
                return Some(format!(
                    "`auto_shutdown` is an option of a supervisor, not of {}; allowed here: {allowed}",
                    self.describe()
                ));
            }
            ("strategy", Place::Dynamic) => {
                "a dynamic_supervisor has no `strategy`: the children it starts are independent, as with `one_for_one`"
            }
            ("strategy" | "max_restarts" | "within", _) => {
                return Some(format!(
                    "`{key}` is an option of a supervisor, not of {}; allowed here: {allowed}",
                    self.describe()
                ));
            }
            ("restart" | "shutdown" | "backoff" | "significant", Place::Root) => {
                "the root supervisor has no parent to restart or stop it"
            }
            ("max_children", Place::Supervisor | Place::Root) => {
                "`max_children` is an option of a dynamic_supervisor; a supervisor has exactly the children listed in its `{ .. }`"
            }
            ("max_children", _) => {
                return Some(format!(
                    "`max_children` is an option of a dynamic_supervisor, not of {}; allowed here: {allowed}",
                    self.describe()
                ));
            }
            ("interval" | "timeout" | "failures", Place::Server | Place::DynamicChildren) => {
                return Some(format!(
                    "`{key}` is a setting of the health check: write `health = {{ {key} = .. }}`"
                ));
            }
            ("initial" | "factor" | "max", Place::Health) => {
                return Some(format!(
                    "`{key}` is a setting of `backoff`, not of `health`; allowed here: {allowed}"
                ));
            }
            ("interval" | "timeout" | "failures", Place::Backoff) => {
                return Some(format!(
                    "`{key}` is a setting of `health`, not of `backoff`; allowed here: {allowed}"
                ));
            }
            ("initial" | "factor" | "max", _) => {
                return Some(format!(
                    "`{key}` is a setting of the restart delay: write `backoff = {{ {key} = .. }}`"
                ));
            }
            (
                "restart" | "shutdown" | "backoff" | "health" | "significant",
                Place::Health | Place::Backoff,
            ) => {
                return Some(format!(
                    "`{key}` is an option of a child, not of {}; allowed here: {allowed}",
                    self.describe()
                ));
            }
            _ => return None,
        };
        Some(format!("{reason}; allowed here: {allowed}"))
    }
}

/// Every key of every place, for "known, but not here" messages.
const ALL_KEYS: &[&str] = &[
    "strategy",
    "max_restarts",
    "within",
    "max_children",
    "auto_shutdown",
    "restart",
    "shutdown",
    "significant",
    "groups",
    "scope",
    "export",
    "health",
    "backoff",
    "interval",
    "timeout",
    "failures",
    "initial",
    "factor",
    "max",
    "children",
];

/// OTP's (and other libraries') names for options, and the option they mean here.
pub(super) const OTHER_WORDS: &[(&str, &str)] = &[
    ("intensity", "max_restarts"),
    ("max_intensity", "max_restarts"),
    ("max_r", "max_restarts"),
    ("maxr", "max_restarts"),
    ("restart_intensity", "max_restarts"),
    ("period", "within"),
    ("max_t", "within"),
    ("maxt", "within"),
    ("max_seconds", "within"),
    ("restart_period", "within"),
    ("window", "within"),
    ("restart_strategy", "strategy"),
    ("restart_type", "restart"),
    ("type", "restart"),
    ("health_check", "health"),
    ("ping", "health"),
    ("restart_delay", "backoff"),
    ("delay", "backoff"),
    ("shutdown_timeout", "shutdown"),
    ("max_workers", "max_children"),
    ("threshold", "failures"),
    ("max_failures", "failures"),
    ("every", "interval"),
    ("multiplier", "factor"),
];

/// Words that are values of a key: `{ permanent }` means `{ restart = permanent }`.
pub(super) const VALUE_WORDS: &[(&str, &str)] = &[
    ("one_for_one", "strategy"),
    ("one_for_all", "strategy"),
    ("rest_for_one", "strategy"),
    ("permanent", "restart"),
    ("transient", "restart"),
    ("temporary", "restart"),
    ("brutal_kill", "shutdown"),
    ("infinity", "shutdown"),
    ("never", "auto_shutdown"),
    ("any_significant", "auto_shutdown"),
    ("all_significant", "auto_shutdown"),
    ("global", "scope"),
];

/// What the option `key` takes, for messages about a missing or unreadable value.
pub(crate) fn expects(key: &str) -> &'static str {
    match key {
        "strategy" => "one of `one_for_one`, `one_for_all`, `rest_for_one`",
        "restart" => "one of `permanent`, `transient`, `temporary`",
        "shutdown" => "`brutal_kill`, `infinity` or a duration such as `5s`",
        "max_restarts" | "max_children" | "failures" => "a whole number such as `3`",
        "within" | "interval" | "timeout" | "initial" | "max" => {
            "a duration such as `500ms`, `5s`, `1m` or `2h`"
        }
        "factor" => "a number such as `2` or `1.5`",
        "health" => "`off`, `on` or `{ interval = 30s, timeout = 5s, failures = 3 }`",
        "backoff" => "`off`, `on` or `{ initial = 100ms, factor = 2, max = 10s }`",
        "children" => {
            "a block of options of the children it starts, such as `{ restart = temporary }`"
        }
        "auto_shutdown" => "one of `never`, `any_significant`, `all_significant`",
        "groups" => "a list of group names such as `[workers, cache_nodes]`",
        "significant" => "`true` or `false`",
        "scope" => "`local` or `global`",
        "export" => "`true` or `false`",
        _ => "a value",
    }
}

/// Checks a key against its place: `None` (reported) when it is unknown or misplaced.
pub(super) fn accept(key: &Ident, place: Place, errors: &mut Errors) -> Option<String> {
    let name = key.to_string();
    if place.allowed().contains(&name.as_str()) {
        return Some(name);
    }
    // How a parent treats a child, written on the root: read, and refused by validation, which
    // says where each option of the root goes.
    if place == Place::Root
        && ["restart", "shutdown", "backoff", "significant"].contains(&name.as_str())
    {
        return Some(name);
    }
    if let Some(message) = place.misplaced(&name) {
        errors.spanned(key, message);
        return None;
    }
    if let Some((_, meant)) = OTHER_WORDS.iter().find(|(word, _)| *word == name) {
        let message = if place.allowed().contains(meant) {
            format!(
                "unknown option `{name}`; it is called `{meant}` here: write `{meant} = ..` ({})",
                expects(meant)
            )
        } else {
            let why = place
                .misplaced(meant)
                .unwrap_or_else(|| format!("allowed here: {}", list(place.allowed())));
            format!("unknown option `{name}`; did you mean `{meant}`? ({why})")
        };
        errors.spanned(key, message);
        return None;
    }
    let mut message = Unknown::new("option", &name)
        .place(place.describe())
        .one_of(place.allowed())
        .to_string();
    if did_you_mean(&name, place.allowed()).is_none()
        && !ALL_KEYS.contains(&name.as_str())
        && let Some(elsewhere) = did_you_mean(&name, ALL_KEYS)
        && let Some(why) = place.misplaced(elsewhere)
    {
        message = format!("unknown option `{name}`; did you mean `{elsewhere}`? ({why})");
    }
    errors.spanned(key, message);
    None
}
