//! Reminder rules: lead times, cadences, SLAs, staleness, escalation, quiet hours, time zones.

use std::collections::BTreeMap;
use std::str::FromStr;
use std::time::Duration;

use chrono::{Days, LocalResult, NaiveDate, NaiveTime, Offset, TimeZone};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::clock::{cap_duration, cap_opt_duration, check_duration, Timestamp};
use crate::error::{Error, Result};
use crate::id::{PipelineId, StageId};
use crate::pipeline::Pipeline;
pub(crate) use crate::zone::{local_date, parse_tz};

const DAY: Duration = Duration::from_secs(86_400);

/// How long before a task's due time the "due soon" reminder comes.
///
/// JSON: `{"before": "1d"}` or `{"local": {"days_before": 1, "at": "09:00:00"}}` ("the day
/// before at 09:00" in the rules' time zone).
///
/// ```
/// use salespipe::TaskLead;
/// let lead: TaskLead = serde_json::from_str(r#"{"local":{"days_before":1,"at":"09:00:00"}}"#).unwrap();
/// assert!(matches!(lead, TaskLead::Local { days_before: 1, .. }));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum TaskLead {
    /// A fixed duration before the due time.
    Before(#[serde(with = "humantime_serde")] Duration),
    /// A local wall-clock time some days before the due date (0: the same day).
    Local {
        /// Days before the due date (in the rules' time zone).
        days_before: u32,
        /// Local time of day.
        at: NaiveTime,
    },
}

impl Default for TaskLead {
    fn default() -> Self {
        TaskLead::Before(DAY)
    }
}

/// Quiet hours: a reminder whose rule puts it inside `[from, to)` local time comes at `to`
/// instead. `from > to` spans midnight (`20:00`–`08:00`).
///
/// ```
/// use salespipe::QuietHours;
/// let q: QuietHours = serde_json::from_str(r#"{"from":"20:00:00","to":"08:00:00"}"#).unwrap();
/// assert!(q.from > q.to);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuietHours {
    /// Start (local time).
    pub from: NaiveTime,
    /// End (local time).
    pub to: NaiveTime,
}

/// When an open opportunity is stale (rotting) in a stage. Several signals combine:
///
/// - the stage's time limit `in_stage` (default: the stage's `rotting_after`); a stage without
///   a limit never rots;
/// - `idle`: how long since the last activity on the deal (or its entry into the stage, if
///   later); when set, the deal rots only once it is *both* beyond the stage limit and idle;
/// - each push of the expected close date to a later date shortens both limits by
///   `push_shortens_pct` percent of their length (down to zero);
/// - a planned next step (the deal's latest activity has a `next_follow_up`) means the deal
///   is not rotting until that step is overdue by `follow_up_grace`; then it is, whatever the
///   other signals say.
///
/// So the stale reminder is due at `follow_up + grace` when a step is planned, else at
/// `max(stage_entered + in_stage·f, max(last_activity, stage_entered) + idle·f)` with
/// `f = max(0, 100 − pushes·pct) / 100`.
///
/// ```
/// use salespipe::StaleRule;
/// let r: StaleRule = serde_json::from_str(r#"{"idle":"7d"}"#).unwrap();
/// assert_eq!(r.push_shortens_pct, 25);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaleRule {
    /// Time-in-stage limit; `None` uses the stage's `rotting_after`.
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub in_stage: Option<Duration>,
    /// Idle limit since the last activity; `None` ignores activity.
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub idle: Option<Duration>,
    /// Percent by which each close-date push shortens the limits (0–100).
    #[serde(default = "default_push_pct")]
    pub push_shortens_pct: u8,
    /// How long a planned follow-up may be overdue before the deal counts as rotting.
    #[serde(default = "default_grace", with = "humantime_serde")]
    pub follow_up_grace: Duration,
    /// How much a planned follow-up may delay the limits above at most (default 14 days): a
    /// step planned far off does not silence a deal rotting in its stage.
    #[serde(default = "default_planned_delay_max", with = "humantime_serde")]
    pub planned_delay_max: Duration,
}

fn default_planned_delay_max() -> Duration {
    14 * DAY
}

fn default_push_pct() -> u8 {
    25
}

fn default_grace() -> Duration {
    DAY
}

impl Default for StaleRule {
    fn default() -> Self {
        StaleRule {
            in_stage: None,
            idle: None,
            push_shortens_pct: default_push_pct(),
            follow_up_grace: default_grace(),
            planned_delay_max: default_planned_delay_max(),
        }
    }
}

/// Overrides for one pipeline; unset fields fall back to the engine-wide rules.
///
/// ```
/// use salespipe::{PipelineRules, StaleRule};
/// let r = PipelineRules::default().stage("demo", StaleRule { idle: Some(std::time::Duration::from_secs(3 * 86_400)), ..StaleRule::default() });
/// assert_eq!(r.stages.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelineRules {
    /// IANA time zone for local-time rules of this pipeline's deals and their tasks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Lead time of "task due soon" for tasks on this pipeline's deals.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub task_lead: Option<TaskLead>,
    /// Escalation delay for this pipeline's deals and their tasks.
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub escalate_after: Option<Duration>,
    /// Staleness rule for every stage without its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<StaleRule>,
    /// Staleness rule per stage.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub stages: BTreeMap<StageId, StaleRule>,
}

impl PipelineRules {
    /// Sets the staleness rule of one stage.
    pub fn stage(mut self, stage: impl Into<StageId>, rule: StaleRule) -> Self {
        self.stages.insert(stage.into(), rule);
        self
    }
}

/// The reminder rules of an engine, with per-pipeline overrides. Set with
/// [`crate::Command::SetReminderRules`] (an event, so a replay restores them).
///
/// ```
/// use salespipe::ReminderRules;
/// let rules: ReminderRules = serde_json::from_str(r#"{
///     "time_zone": "Europe/Berlin",
///     "task_lead": {"local": {"days_before": 1, "at": "09:00:00"}},
///     "escalate_after": "2d",
///     "key_cadence": "30d",
///     "approval_sla": "1d",
///     "quiet_hours": {"from": "20:00:00", "to": "08:00:00"}
/// }"#).unwrap();
/// rules.validate(&[]).unwrap();
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReminderRules {
    /// IANA time zone of local-time rules (`Asia/Shanghai`); default `UTC`.
    #[serde(default = "utc")]
    pub time_zone: String,
    /// Lead time of "task due soon" (default: one day before).
    #[serde(default)]
    pub task_lead: TaskLead,
    /// How long after its due time an unresolved reminder escalates to the recipient's
    /// manager; `None`: never.
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub escalate_after: Option<Duration>,
    /// Cadence of key customers that have none of their own; `None`: no reminder for them.
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub key_cadence: Option<Duration>,
    /// SLA of approval processes that have none of their own; `None`: no reminder for them.
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub approval_sla: Option<Duration>,
    /// Default staleness rule.
    #[serde(default)]
    pub stale: StaleRule,
    /// Quiet hours (in `time_zone`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet_hours: Option<QuietHours>,
    /// Overrides per pipeline.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub pipelines: BTreeMap<PipelineId, PipelineRules>,
}

fn utc() -> String {
    "UTC".to_owned()
}

impl Default for ReminderRules {
    fn default() -> Self {
        ReminderRules {
            time_zone: utc(),
            task_lead: TaskLead::default(),
            escalate_after: None,
            key_cadence: None,
            approval_sla: None,
            stale: StaleRule::default(),
            quiet_hours: None,
            pipelines: BTreeMap::new(),
        }
    }
}

/// A duration of the rules: longer than zero, and at most [`MAX_DURATION`].
fn positive(field: &str, d: Option<Duration>) -> Result<()> {
    match d {
        Some(d) if d.is_zero() => Err(Error::validation(field, "must be longer than zero")),
        Some(d) => check_duration(field, d).map(|_| ()),
        None => Ok(()),
    }
}

/// The lead of "task due soon": a positive duration or a number of days, both at most
/// [`MAX_DURATION`](crate::clock::MAX_DURATION).
fn check_lead(field: &str, lead: TaskLead) -> Result<()> {
    match lead {
        TaskLead::Before(d) => positive(&format!("{field}.before"), Some(d)),
        TaskLead::Local { days_before, .. } => check_duration(
            &format!("{field}.local.days_before"),
            DAY.saturating_mul(days_before),
        )
        .map(|_| ()),
    }
}

fn check_stale(field: &str, r: &StaleRule) -> Result<()> {
    positive(&format!("{field}.in_stage"), r.in_stage)?;
    positive(&format!("{field}.idle"), r.idle)?;
    check_duration(&format!("{field}.follow_up_grace"), r.follow_up_grace)?;
    if r.push_shortens_pct > 100 {
        return Err(Error::validation(
            format!("{field}.push_shortens_pct"),
            format!("{} is above 100", r.push_shortens_pct),
        ));
    }
    Ok(())
}

impl ReminderRules {
    /// Checks the rules against the pipelines they name: time zones are IANA names, durations
    /// positive, percentages at most 100, quiet hours non-empty, pipelines and stages exist.
    pub fn validate(&self, pipelines: &[&Pipeline]) -> Result<()> {
        parse_tz("time_zone", &self.time_zone)?;
        positive("escalate_after", self.escalate_after)?;
        positive("key_cadence", self.key_cadence)?;
        positive("approval_sla", self.approval_sla)?;
        check_stale("stale", &self.stale)?;
        check_lead("task_lead", self.task_lead)?;
        if let Some(q) = self.quiet_hours {
            if q.from == q.to {
                return Err(Error::validation(
                    "quiet_hours",
                    "from and to are equal: the window is empty",
                ));
            }
        }
        for (id, p) in &self.pipelines {
            let field = format!("pipelines.{id}");
            let Some(def) = pipelines.iter().find(|d| &d.id == id) else {
                return Err(Error::validation(&field, "no such pipeline"));
            };
            if let Some(tz) = &p.time_zone {
                parse_tz(&format!("{field}.time_zone"), tz)?;
            }
            positive(&format!("{field}.escalate_after"), p.escalate_after)?;
            if let Some(lead) = p.task_lead {
                check_lead(&format!("{field}.task_lead"), lead)?;
            }
            if let Some(s) = &p.stale {
                check_stale(&format!("{field}.stale"), s)?;
            }
            for (stage, s) in &p.stages {
                let sf = format!("{field}.stages.{stage}");
                if def.stage(stage).is_none() {
                    return Err(Error::validation(&sf, "no such stage in the pipeline"));
                }
                check_stale(&sf, s)?;
            }
        }
        Ok(())
    }

    /// Caps every duration at [`MAX_DURATION`](crate::clock::MAX_DURATION): how the state
    /// reads rules stored before the engine checked that limit.
    pub(crate) fn cap_durations(&mut self) {
        fn stale(s: &mut StaleRule) {
            cap_opt_duration(&mut s.in_stage);
            cap_opt_duration(&mut s.idle);
            cap_duration(&mut s.follow_up_grace);
        }
        fn lead(l: &mut TaskLead) {
            if let TaskLead::Before(d) = l {
                cap_duration(d);
            }
        }
        lead(&mut self.task_lead);
        cap_opt_duration(&mut self.escalate_after);
        cap_opt_duration(&mut self.key_cadence);
        cap_opt_duration(&mut self.approval_sla);
        stale(&mut self.stale);
        for p in self.pipelines.values_mut() {
            if let Some(l) = &mut p.task_lead {
                lead(l);
            }
            cap_opt_duration(&mut p.escalate_after);
            if let Some(s) = &mut p.stale {
                stale(s);
            }
            p.stages.values_mut().for_each(stale);
        }
    }

    /// The time zone for a deal of `pipeline` (or engine-wide), UTC if unparseable.
    pub(crate) fn tz(&self, pipeline: Option<&PipelineId>) -> Tz {
        let name = pipeline
            .and_then(|p| self.pipelines.get(p))
            .and_then(|p| p.time_zone.as_deref())
            .unwrap_or(&self.time_zone);
        Tz::from_str(name).unwrap_or(Tz::UTC)
    }

    /// The escalation delay for a deal of `pipeline` (or engine-wide).
    pub(crate) fn escalate_after(&self, pipeline: Option<&PipelineId>) -> Option<Duration> {
        pipeline
            .and_then(|p| self.pipelines.get(p))
            .and_then(|p| p.escalate_after)
            .or(self.escalate_after)
    }

    /// The "task due soon" lead for a task on a deal of `pipeline` (or on no deal).
    pub(crate) fn task_lead(&self, pipeline: Option<&PipelineId>) -> TaskLead {
        pipeline
            .and_then(|p| self.pipelines.get(p))
            .and_then(|p| p.task_lead)
            .unwrap_or(self.task_lead)
    }

    /// The staleness rule of a stage.
    pub(crate) fn stale_rule(&self, pipeline: &PipelineId, stage: &StageId) -> &StaleRule {
        match self.pipelines.get(pipeline) {
            Some(p) => p
                .stages
                .get(stage)
                .or(p.stale.as_ref())
                .unwrap_or(&self.stale),
            None => &self.stale,
        }
    }

    /// Moves an instant out of the quiet hours (in `tz`).
    pub(crate) fn unquiet(&self, tz: Tz, t: Timestamp) -> Timestamp {
        let Some(q) = self.quiet_hours else { return t };
        let local = t.to_datetime().with_timezone(&tz).naive_local();
        let (date, time) = (local.date(), local.time());
        let target = if q.from < q.to {
            (q.from <= time && time < q.to).then_some(date)
        } else if time >= q.from {
            date.checked_add_days(Days::new(1))
        } else if time < q.to {
            Some(date)
        } else {
            None
        };
        match target {
            Some(d) => local_instant(tz, d, q.to).max(t),
            None => t,
        }
    }
}

/// The UTC instant of a local wall-clock time. In a spring-forward gap the time is read with
/// the offset in force before the gap (02:30 in Berlin on the switch day is 03:30 CEST); in a
/// fall-back overlap the earlier instant is taken.
pub(crate) fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> Timestamp {
    let local = date.and_time(time);
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Timestamp::from_datetime(&t),
        LocalResult::Ambiguous(a, b) => Timestamp::from_datetime(&a.min(b)),
        LocalResult::None => {
            let before = local.and_utc() - chrono::Duration::days(1);
            let offset = tz.offset_from_utc_datetime(&before.naive_utc()).fix();
            Timestamp::from_millis(
                (local - chrono::Duration::seconds(i64::from(offset.local_minus_utc())))
                    .and_utc()
                    .timestamp_millis(),
            )
        }
    }
}

/// Scales a duration by a percentage (0–100).
pub(crate) fn scale(d: Duration, pct: u32) -> Duration {
    let ms = d.as_millis().saturating_mul(u128::from(pct)) / 100;
    Duration::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn t(s: &str) -> NaiveTime {
        s.parse().unwrap()
    }

    #[test]
    fn local_instant_across_dst_in_berlin_and_new_york() {
        let berlin = parse_tz("tz", "Europe/Berlin").unwrap();
        // Winter, summer.
        assert_eq!(
            local_instant(berlin, d("2026-03-28"), t("09:00:00")),
            ts("2026-03-28T08:00:00Z")
        );
        assert_eq!(
            local_instant(berlin, d("2026-03-29"), t("09:00:00")),
            ts("2026-03-29T07:00:00Z")
        );
        // Spring-forward gap (02:00 → 03:00 on 2026-03-29): 02:30 is read as 03:30 CEST.
        assert_eq!(
            local_instant(berlin, d("2026-03-29"), t("02:30:00")),
            ts("2026-03-29T01:30:00Z")
        );
        // Fall-back overlap (03:00 → 02:00 on 2026-10-25): 02:30 happens twice; the first.
        assert_eq!(
            local_instant(berlin, d("2026-10-25"), t("02:30:00")),
            ts("2026-10-25T00:30:00Z")
        );
        let ny = parse_tz("tz", "America/New_York").unwrap();
        assert_eq!(
            local_instant(ny, d("2026-03-08"), t("02:30:00")),
            ts("2026-03-08T07:30:00Z")
        );
        assert_eq!(
            local_instant(ny, d("2026-11-01"), t("01:30:00")),
            ts("2026-11-01T05:30:00Z")
        );
        assert_eq!(
            local_instant(ny, d("2026-11-02"), t("09:00:00")),
            ts("2026-11-02T14:00:00Z")
        );
    }

    #[test]
    fn quiet_hours_defer_to_their_end_in_local_time() {
        let rules = ReminderRules {
            time_zone: "Europe/Berlin".into(),
            quiet_hours: Some(QuietHours {
                from: t("20:00:00"),
                to: t("08:00:00"),
            }),
            ..ReminderRules::default()
        };
        let tz = rules.tz(None);
        // 22:00 CET → next day 08:00 CET.
        assert_eq!(
            rules.unquiet(tz, ts("2026-01-10T21:00:00Z")),
            ts("2026-01-11T07:00:00Z")
        );
        // 06:00 CEST (after spring-forward night) → 08:00 CEST.
        assert_eq!(
            rules.unquiet(tz, ts("2026-03-29T04:00:00Z")),
            ts("2026-03-29T06:00:00Z")
        );
        // Outside: unchanged.
        assert_eq!(
            rules.unquiet(tz, ts("2026-01-10T12:00:00Z")),
            ts("2026-01-10T12:00:00Z")
        );
    }

    #[test]
    fn unknown_time_zones_are_validation_errors_naming_the_field() {
        let rules = ReminderRules {
            time_zone: "Mars/Olympus".into(),
            ..ReminderRules::default()
        };
        let e = rules.validate(&[]).unwrap_err();
        assert_eq!(e.code(), crate::ErrorCode::Validation);
        assert!(e.to_string().contains("time_zone"), "{e}");
        assert!(e.to_string().contains("Mars/Olympus"), "{e}");
    }

    #[test]
    fn rules_json_round_trip() {
        let rules = ReminderRules {
            time_zone: "America/New_York".into(),
            task_lead: TaskLead::Local {
                days_before: 1,
                at: t("09:00:00"),
            },
            escalate_after: Some(DAY * 2),
            key_cadence: Some(DAY * 30),
            approval_sla: Some(DAY),
            stale: StaleRule {
                idle: Some(DAY * 7),
                ..StaleRule::default()
            },
            quiet_hours: Some(QuietHours {
                from: t("20:00:00"),
                to: t("08:00:00"),
            }),
            pipelines: BTreeMap::new(),
        };
        let json = serde_json::to_string(&rules).unwrap();
        assert_eq!(serde_json::from_str::<ReminderRules>(&json).unwrap(), rules);
        assert_eq!(
            serde_json::from_str::<ReminderRules>("{}").unwrap(),
            ReminderRules::default()
        );
    }
}
