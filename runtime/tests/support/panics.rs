//! Keeping the panics tests cause on purpose off stderr: their messages start with `fault: `
//! (the fault worker's and every deliberate panic of the fault and load tests), and every other
//! panic is still reported.

use std::sync::Once;

/// Silences the default panic message of the panics tests cause on purpose (those whose message
/// starts with `fault: `); every other panic is reported as usual. Process-wide, once.
pub fn quiet_deliberate_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let payload = info.payload();
            let msg = payload
                .downcast_ref::<&str>()
                .copied()
                .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
            if msg.is_some_and(|m| m.starts_with("fault: ")) {
                return;
            }
            previous(info);
        }));
    });
}
