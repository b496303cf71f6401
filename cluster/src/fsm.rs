//! The standby / claim / hold / fence state machine of one global child on one node, without
//! I/O: the singleton driver feeds it what it sees and does what it answers, and the property
//! tests drive it against the in-memory store.

use crate::backend::{FencingToken, LeaseId};

/// Where one node stands with one global name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Not holding the name; claims it when the name is free and the node's lease is held.
    Standby,
    /// Holding the name under `lease`, the child started with `token`.
    Holding {
        /// The lease the name's key lives under.
        lease: LeaseId,
        /// The key's creation revision.
        token: FencingToken,
    },
}

/// What the driver saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Input {
    /// The node's lease as the membership keeper sees it now: `Some` while renewals keep it
    /// safely alive, `None` once it may have expired (the fence deadline passed, or the store
    /// said it is gone).
    Lease(Option<LeaseId>),
    /// The name is free, as far as the cache knows.
    NameFree,
    /// Our claim under `lease` created the name's key at `token`.
    Won {
        /// The lease the claim was made under.
        lease: LeaseId,
        /// The new key's creation revision.
        token: FencingToken,
    },
}

/// What the driver must do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Nothing.
    Nothing,
    /// Claim the name under this lease.
    Claim(LeaseId),
    /// Start the child with this token.
    Start(FencingToken),
    /// Stop the child now, with the fenced exit reason: the lease may be gone.
    Fence(FencingToken),
}

/// One node's state machine for one global name.
#[derive(Clone, Debug)]
pub struct Machine {
    role: Role,
    lease: Option<LeaseId>,
}

impl Default for Machine {
    fn default() -> Self {
        Self::new()
    }
}

impl Machine {
    /// A machine in standby with no lease.
    pub fn new() -> Self {
        Machine {
            role: Role::Standby,
            lease: None,
        }
    }

    /// Where it stands.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The lease it believes it holds.
    pub fn lease(&self) -> Option<LeaseId> {
        self.lease
    }

    /// Feeds one observation; returns what to do.
    pub fn on(&mut self, input: Input) -> Action {
        match input {
            Input::Lease(lease) => {
                self.lease = lease;
                match self.role {
                    // A holder whose lease is no longer the one its key lives under (lost, or
                    // replaced after a loss) stops at once: it cannot know the key still exists.
                    Role::Holding { lease: held, token } if lease != Some(held) => {
                        self.role = Role::Standby;
                        Action::Fence(token)
                    }
                    _ => Action::Nothing,
                }
            }
            Input::NameFree => match (self.role, self.lease) {
                (Role::Standby, Some(lease)) => Action::Claim(lease),
                _ => Action::Nothing,
            },
            Input::Won { lease, token } => match self.role {
                // A claim answered after our lease moved on: its key dies with the old lease;
                // starting would run under a lease we no longer renew.
                Role::Standby if self.lease == Some(lease) => {
                    self.role = Role::Holding { lease, token };
                    Action::Start(token)
                }
                _ => Action::Nothing,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_only_with_a_lease_and_fences_when_it_goes() {
        let mut m = Machine::new();
        assert_eq!(m.on(Input::NameFree), Action::Nothing);
        assert_eq!(m.on(Input::Lease(Some(LeaseId(1)))), Action::Nothing);
        assert_eq!(m.on(Input::NameFree), Action::Claim(LeaseId(1)));
        let won = Input::Won {
            lease: LeaseId(1),
            token: FencingToken(5),
        };
        assert_eq!(m.on(won), Action::Start(FencingToken(5)));
        assert_eq!(m.on(Input::NameFree), Action::Nothing);
        assert_eq!(m.on(Input::Lease(None)), Action::Fence(FencingToken(5)));
        assert_eq!(m.role(), Role::Standby);
    }

    #[test]
    fn a_claim_won_under_an_old_lease_is_not_started() {
        let mut m = Machine::new();
        m.on(Input::Lease(Some(LeaseId(1))));
        m.on(Input::Lease(Some(LeaseId(2))));
        let stale = Input::Won {
            lease: LeaseId(1),
            token: FencingToken(9),
        };
        assert_eq!(m.on(stale), Action::Nothing);
        assert_eq!(m.role(), Role::Standby);
    }
}
