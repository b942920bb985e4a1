//! Typed ids. Ids are given by the host (its own primary keys) and are plain strings on the
//! wire; the types keep an opportunity id from being passed where a customer id belongs.
//! An id is a shared immutable string: cloning one is a reference-count increment, which
//! matters because every event, timeline entry and index holds ids.

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $example:literal) => {
        $(#[$doc])*
        ///
        /// ```
        #[doc = concat!("let id = salespipe::", stringify!($name), "::new(\"", $example, "\");")]
        #[doc = concat!("assert_eq!(id.as_str(), \"", $example, "\");")]
        #[doc = concat!("assert_eq!(serde_json::to_string(&id).unwrap(), \"\\\"", $example, "\\\"\");")]
        /// ```
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(std::sync::Arc<str>);

        impl $name {
            /// An id from any string the host uses.
            pub fn new(id: impl AsRef<str>) -> Self {
                $name(std::sync::Arc::from(id.as_ref()))
            }

            /// The id as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                $name::new(s)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                $name(std::sync::Arc::from(s))
            }
        }

        impl From<&String> for $name {
            fn from(s: &String) -> Self {
                $name::new(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.0)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Ok($name::new(s))
            }
        }

        impl std::borrow::Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// Identifies a pipeline definition.
    PipelineId, "sales"
);
string_id!(
    /// Identifies a stage within a pipeline.
    StageId, "quote"
);
string_id!(
    /// Identifies an opportunity (销售机会).
    OpportunityId, "opp-1"
);
string_id!(
    /// Identifies a customer.
    CustomerId, "acme"
);
string_id!(
    /// Identifies a contact person of a customer.
    ContactId, "acme-li"
);
string_id!(
    /// Identifies a user of the host application: a rep, a manager, an approver.
    ActorId, "wang"
);
string_id!(
    /// Identifies an approval process definition.
    ProcessId, "quote-approval"
);
string_id!(
    /// Identifies one approval request.
    RequestId, "req-1"
);
string_id!(
    /// Identifies an activity (行动记录).
    ActivityId, "act-1"
);
string_id!(
    /// Identifies a task.
    TaskId, "task-1"
);
string_id!(
    /// Identifies a revenue target (销售目标).
    TargetId, "t-2026-q1-wang"
);
string_id!(
    /// Identifies an expense record (费用).
    ExpenseId, "exp-1"
);
string_id!(
    /// Identifies a forecast snapshot.
    SnapshotId, "fs-2026-q1-w1"
);
