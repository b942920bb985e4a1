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

pub mod analytics;
pub mod convert;
pub mod engine;
pub mod error;
