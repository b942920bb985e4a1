//! The timeline of an opportunity as the read side sees it: its stage changes.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::event::MoveKind;
use crate::id::{ActorId, StageId};

/// One stage change on an opportunity's timeline (推进).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: ActorId,
    /// From (absent for the creation).
    pub from: Option<StageId>,
    /// To (an open stage, `won` or `lost`).
    pub to: StageId,
    /// How (`created` for the creation).
    pub how: TimelineKind,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The competitor who won, for a loss.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub competitor: Option<String>,
    /// The pipeline version in force at the time, to read stage names of removed stages.
    pub pipeline_version: u32,
}

/// The kind of a timeline entry: the creation, or a [`MoveKind`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TimelineKind {
    /// Created into its first stage.
    Created,
    /// Forward, no requirements.
    Simple,
    /// Forward, sub-goals met.
    SubGoal,
    /// Forward, approval granted.
    Approved,
    /// Forced.
    Forced,
    /// Moved back.
    Back,
    /// Lost.
    Lost,
    /// Reopened.
    Reopened,
    /// Moved by a pipeline edit.
    Remapped,
}

impl std::fmt::Display for TimelineKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TimelineKind::Created => "created",
            TimelineKind::Simple => "simple",
            TimelineKind::SubGoal => "sub_goal",
            TimelineKind::Approved => "approved",
            TimelineKind::Forced => "forced",
            TimelineKind::Back => "back",
            TimelineKind::Lost => "lost",
            TimelineKind::Reopened => "reopened",
            TimelineKind::Remapped => "remapped",
        })
    }
}

impl From<MoveKind> for TimelineKind {
    fn from(m: MoveKind) -> Self {
        match m {
            MoveKind::Simple => TimelineKind::Simple,
            MoveKind::SubGoal => TimelineKind::SubGoal,
            MoveKind::Approved => TimelineKind::Approved,
            MoveKind::Forced => TimelineKind::Forced,
            MoveKind::Back => TimelineKind::Back,
            MoveKind::Lost => TimelineKind::Lost,
            MoveKind::Reopened => TimelineKind::Reopened,
            MoveKind::Remapped => TimelineKind::Remapped,
        }
    }
}
