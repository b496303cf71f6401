//! A hand-written remote server for the tests (the cluster crate's tests do not use the
//! macros): serde messages, a call that panics, a slow one.

#![allow(dead_code)]

use std::convert::Infallible;
use std::time::Duration;

use perennial_runtime::{Client, Context, GenServer, HasClient};
use serde::{Deserialize, Serialize};

/// The state: a total, the notes cast to it, and the fencing token it was started with.
pub struct Ledger {
    total: u64,
    notes: Vec<String>,
    token: i64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum LedgerCall {
    Add(u64),
    Notes,
    Token,
    Crash(String),
    Sleep(u64),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
pub enum LedgerReply {
    Total(u64),
    Notes(Vec<String>),
    Token(i64),
    Slept,
}

impl GenServer for Ledger {
    type Args = i64;
    type Call = LedgerCall;
    type Reply = LedgerReply;
    type Cast = String;
    type Info = ();
    type Continue = Infallible;
    type Error = Infallible;

    async fn init(token: i64, _: &mut Context<Self>) -> Result<Self, Infallible> {
        Ok(Ledger {
            total: 0,
            notes: Vec::new(),
            token,
        })
    }

    async fn handle_call(&mut self, call: LedgerCall, _: &mut Context<Self>) -> LedgerReply {
        match call {
            LedgerCall::Add(n) => {
                self.total += n;
                LedgerReply::Total(self.total)
            }
            LedgerCall::Notes => LedgerReply::Notes(self.notes.clone()),
            LedgerCall::Token => LedgerReply::Token(self.token),
            LedgerCall::Crash(why) => panic!("{why}"),
            LedgerCall::Sleep(ms) => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                LedgerReply::Slept
            }
        }
    }

    async fn handle_cast(&mut self, note: String, _: &mut Context<Self>) {
        self.notes.push(note);
    }
}

impl HasClient for Ledger {
    type Client = Client<Ledger>;
}
