#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod activity;
pub mod analytics;
pub mod approval;
pub mod clock;
pub mod customer;
pub mod engine;
pub mod error;
pub mod event;
pub mod frame;
pub mod gate;
pub mod id;
pub mod management;
pub mod money;
pub mod opportunity;
pub mod pipeline;
pub mod reminder;
mod render;
pub mod state;
pub mod store;
pub mod user;
mod zone;

pub use activity::{Activity, Task};
pub use approval::{
    ApprovalDecision, ApprovalProcess, ApprovalRequest, ApprovalStatus, ApprovalStep, Decision,
    StepPolicy,
};
pub use clock::parse_date;
pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use customer::{Contact, Customer, CustomerKind};
pub use engine::{
    scan, Action, Command, CurrencySection, DefaultPolicy, Directory, Engine, EngineBuilder,
    ForecastOptions, FunnelOptions, Policy, Query, QueryResult, Reader, ReminderIndex, View,
    Visibility,
};
pub use error::{Error, ErrorCode, Problem, Result};
pub use event::{Event, MoveKind, NewEvent, RecordedEvent, SCHEMA_VERSION};
pub use gate::{FieldOp, GateItem, GateReport, Requirement};
pub use id::{
    ActivityId, ActorId, ContactId, CustomerId, ExpenseId, OpportunityId, PipelineId, ProcessId,
    RequestId, SnapshotId, StageId, TargetId, TaskId,
};
pub use management::competitor::{
    competitor_report, CompetitorFigures, CompetitorOutcome, CompetitorParams, CompetitorReport,
    CompetitorRow, StageLoss,
};
pub use management::daily::{
    DailyFigures, DailyIndex, DailyReport, LeftOutRep, RangeReport, TeamDailyReport,
};
pub use management::snapshot::{
    forecast_accuracy, forecast_snapshot, ForecastAccuracy, ForecastSnapshot, RepSnapshot,
};
pub use money::{Currency, Money};
pub use opportunity::{
    Checklist, Competitor, CompetitorStatus, FieldValue, ForecastCategory, NewOpportunity,
    Opportunity, OpportunityPatch, ProductLine, Status,
};
pub use pipeline::{Guidance, Pipeline, PipelineBuilder, Position, Stage, LOST, WON};
pub use reminder::{
    PipelineRules, QuietHours, Reminder, ReminderId, ReminderKind, ReminderRules, StaleRule,
    TaskLead,
};
pub use state::{ReminderState, State, TimelineEntry, TimelineKind};
pub use store::{EventStore, InMemoryStore};
#[cfg(feature = "postgres")]
pub use store::{PostgresOptions, PostgresStore};
#[cfg(feature = "sqlite")]
pub use store::{SqliteOptions, SqliteStore, Synchronous};
pub use user::{Role, User};
