//! The world of the reminder benchmarks (`benches/reminders.rs`, folding events straight into a
//! state, and the `million` bin, writing them through the engine's commands): the instant the
//! data leads up to, the reps and managers, the pipeline with rotting limits, the reminder
//! rules, a deterministic generator, and the process's memory as `/proc` tells it.

use std::time::Duration;

use salespipe::{Pipeline, ReminderRules, Stage};

use crate::ENGINE_STAGES;

/// A day in milliseconds.
pub const DAY: i64 = 86_400_000;
/// The instant the data leads up to: 2026-05-28T20:26:40Z.
pub const NOW: i64 = 1_780_000_000_000;
/// How many reps (`rep-0` …).
pub const REPS: usize = 1_000;
/// How many managers (`mgr-0` …), each managing every twentieth rep.
pub const MANAGERS: usize = 20;

/// A small deterministic generator (SplitMix64).
#[derive(Debug)]
pub struct Rng(pub u64);

impl Rng {
    /// The next number.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number below `n` (below 1 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A number in `from..to`.
    pub fn span(&mut self, from: i64, to: i64) -> i64 {
        from + self.below((to - from) as u64) as i64
    }
}

/// The rep owning record `i` (`rep-{i % REPS}`).
pub fn rep(i: usize) -> String {
    format!("rep-{}", i % REPS)
}

/// Five stages (those of the engine bench), each rotting after 7, 14, … 35 days.
pub fn reminder_pipeline() -> salespipe::Result<Pipeline> {
    let mut b = Pipeline::builder("sales", "Sales");
    for (i, id) in ENGINE_STAGES.iter().enumerate() {
        b = b.stage(
            Stage::new(*id, *id, 0.1 + 0.15 * i as f64)
                .rotting_after(Duration::from_secs(86_400 * (7 + 7 * i as u64))),
        );
    }
    b.build()
}

/// Asia/Shanghai, escalation after 2 days, key customers every 30 days, idle after 7 days.
pub fn reminder_rules() -> ReminderRules {
    let mut rules = ReminderRules {
        time_zone: "Asia/Shanghai".into(),
        escalate_after: Some(Duration::from_secs(2 * 86_400)),
        key_cadence: Some(Duration::from_secs(30 * 86_400)),
        ..ReminderRules::default()
    };
    rules.stale.idle = Some(Duration::from_secs(7 * 86_400));
    rules
}

/// A memory figure of this process from `/proc/self/status` (`"VmRSS:"`, `"VmHWM:"`), in
/// KiB; 0 where there is no such file.
pub fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .unwrap_or(0)
}
