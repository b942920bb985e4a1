//! No-op exports that time the FFI's own cost of a call (cargo feature `bench-probes`, off
//! by default: only `bench/run.sh` builds them, for `bench/Probes.kt`; never in an app).
//!
//! From the cheapest: a free function (JNA's direct call alone), a method (uniffi first
//! clones the object's handle: a second call), `advance`'s arguments and error type (each
//! `String` is lowered into a `RustBuffer` the foreign side allocates with one more call),
//! and the same taking the engine's write lock: everything of `advance` but the core's work;
//! and three numbers in place of the strings (what numeric handles would cost); one and
//! three id objects (`ActorRef` …, what the `…Ref` verbs pass: a handle each, which the
//! foreign side clones with one more call before passing it), and those three with
//! `move_back_ref`'s optional reason absent.

use crate::engine::Engine;
use crate::error::{guard, Result};
use crate::ids::{ActorRef, OpportunityRef, StageRef};

/// Does nothing: a free function call through the FFI.
#[uniffi::export]
pub fn probe_noop() {}

#[uniffi::export]
impl Engine {
    /// Does nothing: a method call on the engine.
    pub fn probe_method(&self) {}

    /// Returns `advance`'s result type, inside the panic guard: the error path's own cost.
    pub fn probe_result(&self) -> Result<()> {
        guard(|| Ok(()))
    }

    /// Takes one string and returns `advance`'s result type: the cost of one `String`.
    pub fn probe_string(&self, opportunity: String) -> Result<()> {
        guard(|| {
            drop(opportunity);
            Ok(())
        })
    }

    /// Takes `advance`'s three strings and returns its result type, inside the panic guard,
    /// doing nothing with them.
    pub fn probe_strings(&self, actor: String, opportunity: String, to: String) -> Result<()> {
        guard(|| {
            drop((actor, opportunity, to));
            Ok(())
        })
    }

    /// Takes three numbers where `advance` takes its strings (as interned handles would be),
    /// returning its result type: what an API without per-call `String`s would pay.
    pub fn probe_numbers(&self, actor: u64, opportunity: u64, to: u64) -> Result<()> {
        guard(|| {
            let _ = (actor, opportunity, to);
            Ok(())
        })
    }

    /// As [`Engine::probe_strings`], taking and releasing the engine's write lock.
    pub fn probe_lock(&self, actor: String, opportunity: String, to: String) -> Result<()> {
        guard(|| {
            let engine = self.write()?;
            drop((engine, actor, opportunity, to));
            Ok(())
        })
    }

    /// Takes one id object and returns `advance`'s result type: the cost of one object
    /// argument.
    pub fn probe_ref(&self, opportunity: &OpportunityRef) -> Result<()> {
        guard(|| {
            let _ = opportunity;
            Ok(())
        })
    }

    /// Takes `advance_ref`'s three id objects and returns its result type, doing nothing with
    /// them.
    pub fn probe_refs(
        &self,
        actor: &ActorRef,
        opportunity: &OpportunityRef,
        to: &StageRef,
    ) -> Result<()> {
        guard(|| {
            let _ = (actor, opportunity, to);
            Ok(())
        })
    }

    /// Takes `move_back_ref`'s arguments (three id objects and an optional reason, which
    /// uniffi lowers into a buffer even when absent), doing nothing with them.
    pub fn probe_refs_reason(
        &self,
        actor: &ActorRef,
        opportunity: &OpportunityRef,
        to: &StageRef,
        reason: Option<String>,
    ) -> Result<()> {
        guard(|| {
            let _ = (actor, opportunity, to, reason);
            Ok(())
        })
    }
}
