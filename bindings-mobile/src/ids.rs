//! Id objects for the hot path: `ActorRef`, `OpportunityRef`, `StageRef`.
//!
//! Each holds the core's own id ([`ActorId`], [`OpportunityId`], [`StageId`]: a shared
//! string whose clone is a reference-count increment). A host makes one per id it reuses,
//! once, and passes it to the `…Ref` verbs of `Engine` (`advanceRef`, `moveBackRef`,
//! `winRef`, `tickRef`): the call then carries object handles (pointers) instead of
//! `String`s. That is what the JVM needs: through uniffi's JNA bindings each `String`
//! argument is a `RustBuffer` passed by value, several µs per call, while an object is a
//! pointer (`benches/README.md`, "Kotlin (issue 19)"). Swift pays less for strings, but the
//! refs work the same there.
//!
//! A ref is checked once, when made: a blank id is `Validation` naming the field, as the
//! core says of a blank actor ("actor: must not be empty"). No blank opportunity or stage
//! id can exist (the core refuses them when a deal or pipeline is defined), so nothing a
//! `…Ref` verb could have done is lost. The core sets no upper bound on an id's length,
//! and neither do the refs. A ref is immutable, tied to no engine, and may be shared by
//! every thread; equal ids make equal refs (`==`, hash), and a ref prints as its id.

use std::fmt;
use std::sync::Arc;

use salespipe::{ActorId, OpportunityId, StageId};

use crate::error::{guard, Result};

/// Refuses a blank id with the core's `Validation` naming `field`.
fn non_blank(field: &str, id: &str) -> Result<()> {
    if id.trim().is_empty() {
        Err(salespipe::Error::validation(field, "must not be empty").into())
    } else {
        Ok(())
    }
}

macro_rules! id_ref {
    // Docs and the field name come in as `tt`s: uniffi reads doc attributes as plain string
    // literals, which a `meta` or `literal` fragment (wrapped in an invisible group) is not.
    ($(#[doc = $doc:tt])* $name:ident, $core:ident, $field:tt, $new_doc:tt) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Object)]
        #[uniffi::export(Debug, Display, Eq, Hash)]
        pub struct $name {
            id: $core,
        }

        impl $name {
            /// The core's id this ref holds.
            pub fn core(&self) -> &$core {
                &self.id
            }
        }

        #[uniffi::export]
        impl $name {
            #[doc = $new_doc]
            #[uniffi::constructor]
            pub fn new(id: String) -> Result<Arc<Self>> {
                guard(|| {
                    non_blank($field, &id)?;
                    Ok(Arc::new($name { id: $core::from(id) }))
                })
            }

            /// The id, as the host gave it.
            pub fn id(&self) -> String {
                self.id.as_str().to_owned()
            }
        }

        /// The id itself (Kotlin `toString()`, Swift `description`).
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.id.as_str())
            }
        }
    };
}

id_ref!(
    /// A user of the host acting in a command (a rep, a manager), made once and reused:
    /// Kotlin `ActorRef("wang")`, Swift `try ActorRef(id: "wang")`.
    ActorRef,
    ActorId,
    "actor",
    "The ref of the user `id`; a blank id is `Validation` naming `actor`."
);
id_ref!(
    /// An opportunity, made once and reused: Kotlin `OpportunityRef("opp-1")`, Swift
    /// `try OpportunityRef(id: "opp-1")`.
    OpportunityRef,
    OpportunityId,
    "opportunity",
    "The ref of the opportunity `id`; a blank id is `Validation` naming `opportunity`."
);
id_ref!(
    /// A stage of a pipeline, or `won` (the target of an advance), made once and reused:
    /// Kotlin `StageRef("demo")`, Swift `try StageRef(id: "demo")`.
    StageRef,
    StageId,
    "stage",
    "The ref of the stage (or `won`) `id`; a blank id is `Validation` naming `stage`."
);
