//! Every option key, named once ([`KEYS`]): where it may be written ([`Place`]), what it takes,
//! its default, and the words people reach for instead (OTP's, other libraries', a value
//! written without its key). The user's option table (the macro's docs, `README.md`) lists the
//! same places and defaults; a unit test keeps the two together.

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

/// One option key.
pub(crate) struct Key {
    pub name: &'static str,
    /// Where it may be written (on the root, how a parent treats a child is also read, and
    /// refused by validation with a message of its own).
    pub places: &'static [Place],
    /// What it takes, for messages about a missing or unreadable value.
    pub expects: &'static str,
    /// Its default, as the option table says it.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "read by the test of the option table")
    )]
    pub default: &'static str,
    /// What the option table adds to where it may be written.
    #[cfg_attr(
        not(test),
        expect(dead_code, reason = "read by the test of the option table")
    )]
    pub note: &'static str,
    /// Other names people give it (OTP's, other libraries').
    pub others: &'static [&'static str],
    /// Its words, which written alone (`{ permanent }`) want the key.
    pub words: &'static [&'static str],
    /// Whether messages list it among the keys of its places (`crate` is accepted, but is for
    /// code that re-exports perennial, not a choice to suggest).
    pub listed: bool,
}

use Place::{Backoff, Dynamic, DynamicChildren, Health, Root, Server, Supervisor, Task};

/// How a supervisor treats any child.
const EVERY_CHILD: &[Place] = &[Supervisor, Dynamic, Server, Task, DynamicChildren];
const DURATION: &str = "a duration such as `500ms`, `5s`, `1m` or `2h`";
const COUNT: &str = "a whole number such as `3`";
const BOOL: &str = "`true` or `false`";

const fn key(name: &'static str, places: &'static [Place], expects: &'static str) -> Key {
    Key {
        name,
        places,
        expects,
        default: "",
        note: "",
        others: &[],
        words: &[],
        listed: true,
    }
}

/// Every key, in the order each place lists its keys in messages.
pub(crate) const KEYS: &[Key] = &[
    Key {
        default: "`one_for_one`",
        others: &["restart_strategy"],
        words: &["one_for_one", "one_for_all", "rest_for_one"],
        ..key(
            "strategy",
            &[Root, Supervisor],
            "one of `one_for_one`, `one_for_all`, `rest_for_one`",
        )
    },
    Key {
        default: "no limit",
        others: &["max_workers"],
        ..key("max_children", &[Dynamic], COUNT)
    },
    Key {
        default: "3",
        others: &[
            "intensity",
            "max_intensity",
            "max_r",
            "maxr",
            "restart_intensity",
        ],
        ..key("max_restarts", &[Root, Supervisor, Dynamic], COUNT)
    },
    Key {
        default: "`5s`",
        others: &[
            "period",
            "max_t",
            "maxt",
            "max_seconds",
            "restart_period",
            "window",
        ],
        ..key("within", &[Root, Supervisor, Dynamic], DURATION)
    },
    Key {
        default: "`never`",
        words: &["never", "any_significant", "all_significant"],
        ..key(
            "auto_shutdown",
            &[Root, Supervisor],
            "one of `never`, `any_significant`, `all_significant`",
        )
    },
    Key {
        default: "`permanent`",
        others: &["restart_type", "type"],
        words: &["permanent", "transient", "temporary"],
        ..key(
            "restart",
            EVERY_CHILD,
            "one of `permanent`, `transient`, `temporary`",
        )
    },
    Key {
        default: "`5s`; `infinity` for supervisors",
        others: &["shutdown_timeout"],
        words: &["brutal_kill", "infinity"],
        ..key(
            "shutdown",
            EVERY_CHILD,
            "`brutal_kill`, `infinity` or a duration such as `5s`",
        )
    },
    Key {
        default: "on: every 30s, 5s to answer, 3 misses",
        others: &["health_check", "ping"],
        ..key(
            "health",
            &[Server, DynamicChildren],
            "`off`, `on` or `{ interval = 30s, timeout = 5s, failures = 3 }`",
        )
    },
    Key {
        default: "`off`; `on` is 100ms, doubling, up to 10s",
        others: &["restart_delay", "delay"],
        ..key(
            "backoff",
            EVERY_CHILD,
            "`off`, `on` or `{ initial = 100ms, factor = 2, max = 10s }`",
        )
    },
    Key {
        default: "as for a gen_server child",
        ..key(
            "children",
            &[Dynamic],
            "a block of options of the children it starts, such as `{ restart = temporary }`",
        )
    },
    Key {
        default: "`false`",
        ..key("significant", &[Supervisor, Dynamic, Server, Task], BOOL)
    },
    Key {
        default: "none",
        ..key(
            "groups",
            &[Server],
            "a list of group names such as `[workers, cache_nodes]`",
        )
    },
    Key {
        default: "`local`",
        note: " (children of the root)",
        words: &["global"],
        ..key("scope", &[Server, Task], "`local` or `global`")
    },
    Key {
        default: "`true` when its server is `#[gen_server(remote)]`",
        note: " with `scope = global`",
        ..key("export", &[Server], BOOL)
    },
    Key {
        default: "`30s`",
        others: &["every"],
        ..key("interval", &[Health], DURATION)
    },
    Key {
        default: "`5s`",
        ..key("timeout", &[Health], DURATION)
    },
    Key {
        default: "3",
        others: &["threshold", "max_failures"],
        ..key("failures", &[Health], COUNT)
    },
    Key {
        default: "`100ms`",
        ..key("initial", &[Backoff], DURATION)
    },
    Key {
        default: "2",
        others: &["multiplier"],
        ..key("factor", &[Backoff], "a number such as `2` or `1.5`")
    },
    Key {
        default: "`10s` (or `initial`, if longer)",
        ..key("max", &[Backoff], DURATION)
    },
    Key {
        default: "`::perennial`",
        listed: false,
        ..key(
            "crate",
            &[Root],
            "the path of the `perennial` crate, such as `my_perennial` or `crate::reexported`",
        )
    },
];

/// Every key's name, in the order of [`KEYS`].
fn all_keys() -> Vec<&'static str> {
    KEYS.iter().map(|key| key.name).collect()
}

/// The key an other name (`intensity`, `period`) stands for.
pub(super) fn other_word(word: &str) -> Option<&'static str> {
    KEYS.iter()
        .find(|key| key.others.contains(&word))
        .map(|key| key.name)
}

/// The key of a word written alone (`permanent` for `restart`).
pub(super) fn key_of_word(word: &str) -> Option<&'static str> {
    KEYS.iter()
        .find(|key| key.words.contains(&word))
        .map(|key| key.name)
}

/// What the option `key` takes, for messages about a missing or unreadable value.
pub(crate) fn expects(key: &str) -> &'static str {
    KEYS.iter()
        .find(|known| known.name == key)
        .map_or("a value", |known| known.expects)
}

impl Place {
    /// The keys written here, in the order messages list them.
    pub(crate) fn allowed(self) -> Vec<&'static str> {
        KEYS.iter()
            .filter(|key| key.listed && key.places.contains(&self))
            .map(|key| key.name)
            .collect()
    }

    /// Whether `name` is a key of this place that messages do not list.
    fn accepts_unlisted(self, name: &str) -> bool {
        KEYS.iter()
            .any(|key| !key.listed && key.name == name && key.places.contains(&self))
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
        let allowed = list(&self.allowed());
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
            ("crate", _) => {
                return Some(format!(
                    "`crate` is written once, in the root supervisor's options, and every path the tree's expansion writes starts with it: `app: supervisor(crate = ..) {{ .. }}`; allowed here: {allowed}"
                ));
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

/// Checks a key against its place: `None` (reported) when it is unknown or misplaced.
pub(super) fn accept(key: &Ident, place: Place, errors: &mut Errors) -> Option<String> {
    let name = key.to_string();
    let allowed = place.allowed();
    if allowed.contains(&name.as_str()) || place.accepts_unlisted(&name) {
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
    if let Some(meant) = other_word(&name) {
        let message = if allowed.contains(&meant) {
            format!(
                "unknown option `{name}`; it is called `{meant}` here: write `{meant} = ..` ({})",
                expects(meant)
            )
        } else {
            let why = place
                .misplaced(meant)
                .unwrap_or_else(|| format!("allowed here: {}", list(&allowed)));
            format!("unknown option `{name}`; did you mean `{meant}`? ({why})")
        };
        errors.spanned(key, message);
        return None;
    }
    let mut message = Unknown::new("option", &name)
        .place(place.describe())
        .one_of(&allowed)
        .to_string();
    if did_you_mean(&name, &allowed).is_none()
        && !all_keys().contains(&name.as_str())
        && let Some(elsewhere) = did_you_mean(&name, &all_keys())
        && let Some(why) = place.misplaced(elsewhere)
    {
        message = format!("unknown option `{name}`; did you mean `{elsewhere}`? ({why})");
    }
    errors.spanned(key, message);
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where the option table says `key` is written, in its words.
    fn table_places(key: &Key) -> String {
        let places = key.places;
        let mut parts = Vec::new();
        if places == EVERY_CHILD {
            parts.push("every child (not the root)");
        } else {
            match (places.contains(&Root), places.contains(&Supervisor)) {
                (true, true) => parts.push("supervisor"),
                (false, true) => parts.push("supervisor (not the root)"),
                (true, false) => parts.push("the root supervisor"),
                (false, false) => {}
            }
            for (place, text) in [
                (Dynamic, "dynamic_supervisor"),
                (Server, "gen_server"),
                (Task, "task"),
                (DynamicChildren, "a dynamic_supervisor's `children`"),
                (Health, "`health`"),
                (Backoff, "`backoff`"),
            ] {
                if places.contains(&place) {
                    parts.push(text);
                }
            }
        }
        format!("{}{}", parts.join(", "), key.note)
    }

    /// The rows of the README's tables whose first cell is one key: (key, where, default).
    fn table() -> Vec<(String, String, String)> {
        include_str!("../README.md")
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let key = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
                if !key.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    return None;
                }
                let default = cells.get(cells.len().checked_sub(2)?)?;
                Some((key.to_owned(), cells[2].to_owned(), (*default).to_owned()))
            })
            .collect()
    }

    #[test]
    fn the_option_table_has_every_key_with_its_places_and_default() {
        let table = table();
        for key in KEYS {
            let Some((_, places, default)) = table.iter().find(|(name, ..)| name == key.name)
            else {
                panic!("`{}` is not in the option table of README.md", key.name);
            };
            assert_eq!(*places, table_places(key), "where `{}` goes", key.name);
            assert_eq!(default, key.default, "the default of `{}`", key.name);
        }
        for (name, ..) in &table {
            assert!(
                KEYS.iter().any(|key| key.name == name),
                "README.md lists `{name}`, which is no key"
            );
        }
    }

    #[test]
    fn each_place_lists_its_keys_in_the_order_of_its_messages() {
        assert_eq!(
            Place::Dynamic.allowed(),
            [
                "max_children",
                "max_restarts",
                "within",
                "restart",
                "shutdown",
                "backoff",
                "children",
                "significant"
            ]
        );
        assert_eq!(
            Place::Server.allowed(),
            [
                "restart",
                "shutdown",
                "health",
                "backoff",
                "significant",
                "groups",
                "scope",
                "export"
            ]
        );
        assert_eq!(
            Place::Root.allowed(),
            ["strategy", "max_restarts", "within", "auto_shutdown"]
        );
    }
}
