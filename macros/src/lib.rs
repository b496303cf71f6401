//! Procedural macros of [perennial](https://docs.rs/perennial).
//!
//! Do not depend on this crate directly: use the re-exports of the `perennial` facade, whose
//! hidden `__private` module is the only path the generated code names.
