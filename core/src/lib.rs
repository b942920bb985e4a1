#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod activity;
pub mod analytics;
pub mod approval;
pub mod clock;
pub mod competitor;
pub mod customer;
pub mod daily;
pub mod engine;
pub mod error;
pub mod event;
pub mod expense;
pub mod gate;
pub mod id;
pub mod money;
pub mod opportunity;
pub mod pipeline;
pub mod reminder;
pub mod snapshot;
pub mod source;
pub mod store;
pub mod target;
pub mod user;
mod zone;

pub use activity::{Activity, Task};
pub use approval::{
    ApprovalDecision, ApprovalProcess, ApprovalRequest, ApprovalStatus, ApprovalStep, Decision,
    StepPolicy,
};
pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use competitor::{
    competitor_report, CompetitorFigures, CompetitorOutcome, CompetitorParams, CompetitorReport,
    CompetitorRow, StageLoss,
};
pub use customer::{Contact, Customer, CustomerKind};
pub use daily::{DailyFigures, DailyIndex, DailyReport, RangeReport, TeamDailyReport};
pub use engine::{
    parse_date, Action, Command, DefaultPolicy, Directory, Engine, EngineBuilder, Policy, State,
    TimelineEntry, TimelineKind,
};
pub use error::{Error, ErrorCode, Problem, Result};
pub use event::{Event, MoveKind, NewEvent, RecordedEvent, SCHEMA_VERSION};
pub use gate::{FieldOp, GateItem, GateReport, Requirement};
pub use id::{
    ActivityId, ActorId, ContactId, CustomerId, ExpenseId, OpportunityId, PipelineId, ProcessId,
    RequestId, SnapshotId, StageId, TargetId, TaskId,
};
pub use money::{Currency, Money};
pub use opportunity::{
    Checklist, Competitor, CompetitorStatus, FieldValue, ForecastCategory, NewOpportunity,
    Opportunity, OpportunityPatch, ProductLine, Status,
};
pub use pipeline::{Guidance, Pipeline, PipelineBuilder, Position, Stage, LOST, WON};
pub use reminder::{
    PipelineRules, QuietHours, Reminder, ReminderId, ReminderIndex, ReminderKind, ReminderRules,
    ReminderState, StaleRule, TaskLead,
};
pub use snapshot::{
    forecast_accuracy, forecast_snapshot, ForecastAccuracy, ForecastSnapshot, RepSnapshot,
};
pub use store::{EventStore, InMemoryStore};
#[cfg(feature = "sqlite")]
pub use store::{SqliteOptions, SqliteStore, Synchronous};
pub use user::{Role, User};
