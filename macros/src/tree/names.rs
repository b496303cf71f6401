//! The rules of a node's name, shared by every stage: a name is a field of the started tree
//! and a registry name, so it is snake_case, no Rust keyword, and none of the tree's methods.

/// Names a node can't take: each node's name is a field of the tree value the expansion
/// returns, and these are the methods and functions people call on it (its own `supervisor`,
/// `join`, `start`, `start_in` and `spec`, and the `SupervisorHandle` methods most used on a
/// tree, which it reaches through `Deref`). A field of such a name would read as the method.
pub(crate) const RESERVED: &[&str] = &[
    "supervisor",
    "join",
    "start",
    "start_in",
    "spec",
    "shutdown",
    "registry",
    "snapshot",
    "subscribe",
    "shutdown_on_signals",
];

/// Strict, reserved and edition-reserved keywords of Rust (weak ones such as `union` are fine).
const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "static", "struct", "super", "trait", "true", "try", "type", "typeof",
    "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// Why `name` can't name a node, if it can't.
pub(crate) fn invalid_name(name: &str) -> Option<String> {
    if let Some(raw) = name.strip_prefix("r#") {
        return Some(format!(
            "`{name}` is a raw identifier; a name is a plain snake_case identifier, such as `{raw}_server`"
        ));
    }
    if KEYWORDS.contains(&name) {
        return Some(format!(
            "`{name}` is a Rust keyword and can't be a name (names become fields of the tree)"
        ));
    }
    if RESERVED.contains(&name) {
        return Some(format!(
            "the name `{name}` is reserved: the tree has a method of that name; reserved names are {}",
            crate::text::list(RESERVED)
        ));
    }
    if is_snake_case(name) {
        return None;
    }
    let mut message = format!(
        "`{name}` is not a valid name: names are snake_case (lowercase ASCII letters and digits, words joined by single `_`, starting with a letter)"
    );
    let snake = to_snake_case(name);
    if is_snake_case(&snake)
        && !KEYWORDS.contains(&snake.as_str())
        && !RESERVED.contains(&snake.as_str())
    {
        message.push_str(&format!("; did you mean `{snake}`?"));
    }
    Some(message)
}

/// `[a-z][a-z0-9]*(_[a-z0-9]+)*`
fn is_snake_case(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.split('_').all(|word| {
            !word.is_empty()
                && word
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

pub(crate) fn to_snake_case(name: &str) -> String {
    let mut snake = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c.is_uppercase() {
            if previous_lower {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
            previous_lower = false;
        } else {
            snake.push(if c == '-' { '_' } else { c });
            previous_lower = c.is_lowercase() || c.is_ascii_digit();
        }
    }
    snake
        .split('_')
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_conversion() {
        assert_eq!(to_snake_case("DbPool"), "db_pool");
        assert_eq!(to_snake_case("dbPool2"), "db_pool2");
        assert_eq!(to_snake_case("HTTPServer"), "httpserver");
        assert_eq!(to_snake_case("__a__b__"), "a_b");
        assert!(is_snake_case("a1_b2"));
        assert!(!is_snake_case("1a"));
        assert!(!is_snake_case("a_"));
        assert!(!is_snake_case("é"));
    }
}
