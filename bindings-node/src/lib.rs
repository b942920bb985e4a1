//! Node.js bindings of salespipe (napi-rs v3): the `salespipe` npm package.
//!
//! A thin layer, like `bindings-python`: `Engine.execute(actor, command)` and
//! `Engine.query(actor, query)` cross as the core's serde JSON; the typed commands call the
//! core's typed methods and return nothing (records they take still decode through serde),
//! the typed reads are one-liners over `query`; errors carry the core's
//! [`salespipe::ErrorCode`]. `index.js` (next to `Cargo.toml`) loads the built addon, turns
//! nested `Date`s into RFC 3339 strings, refuses JS floats as money and rethrows native errors
//! as `SalespipeError` subclasses.

#![deny(clippy::print_stdout)]

#[macro_use]
extern crate napi_derive;

/// The addon's own allocations come from mimalloc, as in the Python module: it reuses one
/// call's memory for the next where the system allocator returns the large buffers and every
/// call faults fresh, zeroed pages in again (`benches/README.md`, "Node"). V8's heap keeps
/// its own allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod analytics;
pub mod convert;
pub mod engine;
pub mod error;
