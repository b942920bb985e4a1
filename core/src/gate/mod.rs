//! Stage gates: the exit requirements of a stage and the [`GateReport`] that says, for a move,
//! which are met and which are missing, stage by stage.
//!
//! Three advancement modes: *simple* (a stage with no requirements), *sub-goal* (checklist
//! items, fields, quoted products or contacts, activities logged) and *process* (an approval
//! process has approved).

mod eval;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::id::{OpportunityId, ProcessId, StageId};
use crate::opportunity::FieldValue;

pub use eval::{evaluate, verdict, GateContext, Verdict};
pub(crate) use eval::{route, verdict_on};

/// One exit requirement of a stage.
///
/// JSON: `{"type": "checklist", "item": "budget confirmed"}`,
/// `{"type": "field", "field": "amount", "op": "gt", "value": {"number": 0}}`,
/// `{"type": "min_products", "count": 1}`, `{"type": "min_contacts", "count": 2}`,
/// `{"type": "activity", "kind": "demo"}`, `{"type": "approval", "process": "quote-approval"}`.
///
/// ```
/// use salespipe::{Requirement, FieldOp, FieldValue};
/// let r = Requirement::field("amount", FieldOp::Gt, FieldValue::Number(0.0));
/// let json = serde_json::to_string(&r).unwrap();
/// assert_eq!(json, r#"{"type":"field","field":"amount","op":"gt","value":{"number":0.0}}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Requirement {
    /// A checklist item must be ticked on the opportunity.
    Checklist {
        /// The item's text, also its key.
        item: String,
    },
    /// A field must be present, or compare to a value. Fields: `amount` (compared in major
    /// units or as money), `expected_close` (a date), `source`, `name`, or a custom field's name.
    Field {
        /// The field.
        field: String,
        /// The check.
        op: FieldOp,
        /// The value compared with (absent for `present`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<FieldValue>,
    },
    /// At least `count` quoted product lines.
    MinProducts {
        /// How many.
        count: u32,
    },
    /// At least `count` contacts on the opportunity.
    MinContacts {
        /// How many.
        count: u32,
    },
    /// At least `count` activities of `kind` linked to the opportunity, logged since it
    /// entered its current stage.
    Activity {
        /// The activity kind (`demo`, `visit`, `call` ...).
        kind: String,
        /// How many (default 1).
        #[serde(default = "one")]
        count: u32,
    },
    /// An approval process has approved the opportunity (and the approval was not invalidated).
    Approval {
        /// The process.
        process: ProcessId,
    },
}

fn one() -> u32 {
    1
}

impl Requirement {
    /// A checklist item.
    pub fn checklist(item: impl Into<String>) -> Self {
        Requirement::Checklist { item: item.into() }
    }

    /// A field that must be present.
    pub fn present(field: impl Into<String>) -> Self {
        Requirement::Field {
            field: field.into(),
            op: FieldOp::Present,
            value: None,
        }
    }

    /// A field compared with a value.
    pub fn field(field: impl Into<String>, op: FieldOp, value: FieldValue) -> Self {
        Requirement::Field {
            field: field.into(),
            op,
            value: Some(value),
        }
    }

    /// One activity of `kind` since entering the stage.
    pub fn activity(kind: impl Into<String>) -> Self {
        Requirement::Activity {
            kind: kind.into(),
            count: 1,
        }
    }

    /// An approved request of `process`.
    pub fn approval(process: impl Into<ProcessId>) -> Self {
        Requirement::Approval {
            process: process.into(),
        }
    }

    /// A short human description (`checklist "budget confirmed"`, `amount > 0`).
    pub fn describe(&self) -> String {
        match self {
            Requirement::Checklist { item } => format!("checklist \"{item}\""),
            Requirement::Field {
                field,
                op: FieldOp::Present,
                ..
            } => format!("{field} is set"),
            Requirement::Field { field, op, value } => match value {
                Some(v) => format!("{field} {} {v}", op.symbol()),
                None => format!("{field} {}", op.symbol()),
            },
            Requirement::MinProducts { count } => format!("at least {count} quoted product(s)"),
            Requirement::MinContacts { count } => format!("at least {count} contact(s)"),
            Requirement::Activity { kind, count } => {
                format!(
                    "{count} \"{kind}\" activit{} logged in the stage",
                    if *count == 1 { "y" } else { "ies" }
                )
            }
            Requirement::Approval { process } => format!("approval \"{process}\" granted"),
        }
    }
}

/// A field check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldOp {
    /// The field has a value.
    Present,
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Ge,
    /// Less than.
    Lt,
    /// Less or equal.
    Le,
}

impl FieldOp {
    /// The operator as a symbol.
    pub fn symbol(self) -> &'static str {
        match self {
            FieldOp::Present => "is set",
            FieldOp::Eq => "=",
            FieldOp::Ne => "≠",
            FieldOp::Gt => ">",
            FieldOp::Ge => "≥",
            FieldOp::Lt => "<",
            FieldOp::Le => "≤",
        }
    }
}

/// One requirement of one stage on the way to a target, met or not, with a human reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateItem {
    /// The stage whose exit requirement this is.
    pub stage: StageId,
    /// The stage's display name.
    pub stage_name: String,
    /// The requirement.
    pub requirement: Requirement,
    /// Whether it holds.
    pub met: bool,
    /// Why it holds or not (`2 of 3 contacts`).
    pub reason: String,
}

/// What is met and what is missing to move an opportunity to a target stage: the exit
/// requirements of every stage on the way, in order.
///
/// ```
/// use salespipe::{GateReport, GateItem, Requirement};
/// let report = GateReport {
///     opportunity: "opp-1".into(),
///     from: "demo".into(),
///     target: "quote".into(),
///     items: vec![GateItem {
///         stage: "demo".into(),
///         stage_name: "产品演示".into(),
///         requirement: Requirement::activity("demo"),
///         met: false,
///         reason: "no \"demo\" activity since entering the stage".into(),
///     }],
/// };
/// assert!(!report.is_met());
/// assert_eq!(report.missing().count(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateReport {
    /// The opportunity checked.
    pub opportunity: OpportunityId,
    /// Its current stage.
    pub from: StageId,
    /// The target (an open stage or `won`).
    pub target: StageId,
    /// Every requirement on the way, in stage order.
    pub items: Vec<GateItem>,
}

impl GateReport {
    /// True when every requirement on the way is met.
    pub fn is_met(&self) -> bool {
        self.items.iter().all(|i| i.met)
    }

    /// The unmet requirements.
    pub fn missing(&self) -> impl Iterator<Item = &GateItem> {
        self.items.iter().filter(|i| !i.met)
    }

    /// One line: what is missing, or `all requirements met`.
    pub fn summary(&self) -> String {
        let missing: Vec<String> = self
            .missing()
            .map(|i| format!("[{}] {}", i.stage_name, i.reason))
            .collect();
        if missing.is_empty() {
            "all requirements met".to_owned()
        } else {
            format!("missing {}", missing.join(", "))
        }
    }
}

impl fmt::Display for GateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}: {} → {}", self.opportunity, self.from, self.target)?;
        if self.items.is_empty() {
            return writeln!(f, "  (no requirements)");
        }
        for i in &self.items {
            let mark = if i.met { "✔" } else { "✘" };
            writeln!(
                f,
                "  {mark} [{}] {} — {}",
                i.stage_name,
                i.requirement.describe(),
                i.reason
            )?;
        }
        Ok(())
    }
}
