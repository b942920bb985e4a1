//! Pipeline definitions: ordered open stages, the `won`/`lost` outcomes, probabilities,
//! rotting limits, guidance and exit requirements.
//!
//! A pipeline is plain serde data, loaded from JSON or TOML ([`Pipeline::from_json`],
//! [`Pipeline::from_toml`]) or built in Rust ([`Pipeline::builder`]). Every path validates and
//! reports *every* problem at once, each with its path.

mod validate;

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Problem, Result};
use crate::gate::Requirement;
use crate::id::{PipelineId, StageId};

/// The reserved id of the won outcome.
pub const WON: &str = "won";
/// The reserved id of the lost outcome.
pub const LOST: &str = "lost";

/// The most open stages a pipeline may have: the funnel keeps a deal's stages in a 64-bit
/// mask ([`crate::analytics::MAX_STAGES`] is this value), so a longer pipeline could be
/// defined but never reported on; [`Pipeline::validate`] refuses it.
pub const MAX_STAGES: usize = 64;

/// A sales pipeline: ordered open stages and the two outcomes `won` and `lost`.
///
/// ```
/// use salespipe::{Pipeline, Stage, Requirement};
/// let p = Pipeline::builder("sales", "Sales")
///     .stage(Stage::new("qualify", "识别潜在客户", 0.1))
///     .stage(Stage::new("demo", "产品演示", 0.3).requires(Requirement::activity("demo")))
///     .stage(Stage::new("contract", "合同", 0.9))
///     .lost_reasons(["price", "no budget"])
///     .build()
///     .unwrap();
/// assert_eq!(p.stage_index(&"demo".into()), Some(1));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pipeline {
    /// The pipeline's id.
    pub id: PipelineId,
    /// Display name.
    pub name: String,
    /// Version, starting at 1; the engine sets it when the pipeline is defined or edited.
    #[serde(default = "one")]
    pub version: u32,
    /// The open stages, in order.
    pub stages: Vec<Stage>,
    /// The reasons a deal may be lost for; empty means any non-empty reason is accepted.
    #[serde(default)]
    pub lost_reasons: Vec<String>,
    /// Whether an advance may skip stages forward (checking every skipped stage's exit
    /// requirements). Without it, skipping needs a forced advance.
    #[serde(default)]
    pub allow_skip: bool,
}

fn one() -> u32 {
    1
}

/// One open stage of a pipeline.
///
/// ```
/// use std::time::Duration;
/// use salespipe::{Stage, Guidance, Requirement};
/// let s = Stage::new("quote", "报价", 0.6)
///     .rotting_after(Duration::from_secs(14 * 86_400))
///     .guidance(Guidance::link("Discount policy", "https://intranet/discounts"))
///     .requires(Requirement::approval("quote-approval"));
/// assert_eq!(s.exit.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stage {
    /// Stable id (`won` and `lost` are reserved).
    pub id: StageId,
    /// Display name, any Unicode.
    pub name: String,
    /// Default win probability in [0, 1].
    pub probability: f64,
    /// How long a deal may sit here before it is stale (`"14d"`, `"36h"` in JSON/TOML).
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub rotting_after: Option<Duration>,
    /// Reference material shown to the rep in this stage.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub guidance: Vec<Guidance>,
    /// Exit requirements (sub-goals, approvals): all must hold to leave the stage forward.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exit: Vec<Requirement>,
    /// The forecast category of deals in this stage unless a deal sets its own (absent:
    /// `pipeline`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forecast_category: Option<crate::opportunity::ForecastCategory>,
}

impl Stage {
    /// A stage with no requirements (simple advance).
    pub fn new(id: impl Into<StageId>, name: impl Into<String>, probability: f64) -> Self {
        Stage {
            id: id.into(),
            name: name.into(),
            probability,
            rotting_after: None,
            guidance: Vec::new(),
            exit: Vec::new(),
            forecast_category: None,
        }
    }

    /// Sets the forecast category of deals in this stage.
    ///
    /// ```
    /// use salespipe::{ForecastCategory, Stage};
    /// let s = Stage::new("contract", "合同", 0.9).forecast_category(ForecastCategory::Commit);
    /// assert_eq!(s.forecast_category, Some(ForecastCategory::Commit));
    /// ```
    pub fn forecast_category(mut self, category: crate::opportunity::ForecastCategory) -> Self {
        self.forecast_category = Some(category);
        self
    }

    /// Sets how long a deal may sit here before it is stale.
    pub fn rotting_after(mut self, d: Duration) -> Self {
        self.rotting_after = Some(d);
        self
    }

    /// Adds a guidance entry.
    pub fn guidance(mut self, g: Guidance) -> Self {
        self.guidance.push(g);
        self
    }

    /// Adds an exit requirement.
    pub fn requires(mut self, r: Requirement) -> Self {
        self.exit.push(r);
        self
    }
}

/// A guidance entry: a title and a link or a text (the stage's playbook).
///
/// ```
/// let g = salespipe::Guidance::text("Demo script", "Open with the customer's pain");
/// assert!(g.url.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Guidance {
    /// Title.
    pub title: String,
    /// A link to the material.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The material itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl Guidance {
    /// A guidance entry that links to material.
    pub fn link(title: impl Into<String>, url: impl Into<String>) -> Self {
        Guidance {
            title: title.into(),
            url: Some(url.into()),
            text: None,
        }
    }

    /// A guidance entry holding its text.
    pub fn text(title: impl Into<String>, text: impl Into<String>) -> Self {
        Guidance {
            title: title.into(),
            url: None,
            text: Some(text.into()),
        }
    }
}

/// Where an opportunity stands in a pipeline: an open stage or an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Position {
    /// The open stage at this index.
    Open(usize),
    /// Won.
    Won,
    /// Lost.
    Lost,
}

impl Pipeline {
    /// Starts a builder.
    pub fn builder(id: impl Into<PipelineId>, name: impl Into<String>) -> PipelineBuilder {
        PipelineBuilder {
            pipeline: Pipeline {
                id: id.into(),
                name: name.into(),
                version: 1,
                stages: Vec::new(),
                lost_reasons: Vec::new(),
                allow_skip: false,
            },
        }
    }

    /// Parses and validates a JSON definition.
    pub fn from_json(text: &str) -> Result<Self> {
        let p: Pipeline = serde_json::from_str(text).map_err(|e| Error::InvalidDefinition {
            problems: vec![Problem::new(format!("line {}", e.line()), e.to_string())],
        })?;
        p.validate()?;
        Ok(p)
    }

    /// Parses and validates a TOML definition.
    pub fn from_toml(text: &str) -> Result<Self> {
        let p: Pipeline = toml::from_str(text).map_err(|e| {
            // Where it went wrong, as line and column like the JSON loader's line.
            let path = e.span().map_or_else(
                || "toml".to_owned(),
                |span| {
                    let before = text.get(..span.start).unwrap_or(text);
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    format!("line {line}, column {column}")
                },
            );
            Error::InvalidDefinition {
                problems: vec![Problem::new(path, e.message().to_owned())],
            }
        })?;
        p.validate()?;
        Ok(p)
    }

    /// The definition as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Checks the definition; the error lists every problem with its path.
    pub fn validate(&self) -> Result<()> {
        let problems = self.problems();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::InvalidDefinition { problems })
        }
    }

    /// Every problem [`Pipeline::validate`] reports, none when the definition is valid.
    pub(crate) fn problems(&self) -> Vec<Problem> {
        validate::problems(self)
    }

    /// The index of an open stage.
    pub fn stage_index(&self, id: &StageId) -> Option<usize> {
        self.stages.iter().position(|s| &s.id == id)
    }

    /// An open stage by id.
    pub fn stage(&self, id: &StageId) -> Option<&Stage> {
        self.stages.iter().find(|s| &s.id == id)
    }

    /// Resolves a target id: an open stage, `won` or `lost`.
    pub fn position(&self, id: &StageId) -> Option<Position> {
        match id.as_str() {
            WON => Some(Position::Won),
            LOST => Some(Position::Lost),
            _ => self.stage_index(id).map(Position::Open),
        }
    }

    /// The display name of a stage id or outcome.
    pub fn display_name<'a>(&'a self, id: &'a StageId) -> &'a str {
        self.stage(id).map_or(id.as_str(), |s| s.name.as_str())
    }
}

/// Builds a [`Pipeline`]; [`PipelineBuilder::build`] validates it.
#[derive(Debug, Clone)]
pub struct PipelineBuilder {
    pipeline: Pipeline,
}

impl PipelineBuilder {
    /// Appends an open stage.
    pub fn stage(mut self, stage: Stage) -> Self {
        self.pipeline.stages.push(stage);
        self
    }

    /// Sets the configured lost reasons.
    pub fn lost_reasons<I, S>(mut self, reasons: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.pipeline.lost_reasons = reasons.into_iter().map(Into::into).collect();
        self
    }

    /// Allows forward skips.
    pub fn allow_skip(mut self, allow: bool) -> Self {
        self.pipeline.allow_skip = allow;
        self
    }

    /// Validates and returns the pipeline.
    pub fn build(self) -> Result<Pipeline> {
        self.pipeline.validate()?;
        Ok(self.pipeline)
    }
}
