//! What a dynamic supervisor keeps of its spec: its limit on children and the options of the
//! children it starts (the template), read by its spec, its handle and the running supervisor.

use crate::supervisor::{Backoff, HealthCheck, Restart, Shutdown};

/// A dynamic supervisor's limits: how many children, and the options each child gets.
#[derive(Clone, Copy, Debug)]
pub(crate) struct DynamicLimits {
    pub(crate) max_children: Option<usize>,
    /// The options of the children it starts, checked with the spec.
    pub(crate) template: Template,
}

/// The options of the children a dynamic supervisor starts.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Template {
    pub(crate) restart: Restart,
    pub(crate) shutdown: Shutdown,
    pub(crate) health: Option<HealthCheck>,
    pub(crate) backoff: Option<Backoff>,
}
