//! Times salespipe's full funnel report (validation, both modes, grouped by owner) over the
//! data of `benches/peers/gen.py`, single-threaded, and prints JSON for `compare.py`.
//!
//! usage: funnel-peer DIR [--repeat N] [--unsorted] [--report] [--mode both|recorded|cumulative]
//!        [--strings]
//!
//! `--mode recorded` (or `cumulative`) times one mode alone, the call `salespipe.funnel` makes
//! from Python (`bindings-python/benches/funnel_bench.py` compares the two).
//!
//! `--strings` gives the pure-Rust call the input the bindings' "strings" benches get: the
//! opportunity ids as text (`opp-%07d`, as `gen.py` writes them) in Arrow's layout (one
//! buffer and offsets, for the events and the opportunities) and the stage ids as a
//! dictionary (keys and the stage ids), built before the clock starts; the timing then
//! includes turning them into the codes the report reads, with the core's own
//! `analytics::keys` (`OppIndex`, `StageCodes`): what a Rust host holding string columns
//! pays.

/// With `--features mimalloc`, the process allocator a host may choose instead of the system's
/// (the Python and Node bindings use it).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::time::Instant;

use salespipe::analytics::keys::{OppIndex, StageCodes, TextChunk};
use salespipe::analytics::{
    funnel, funnel_both, FunnelInput, FunnelParams, FunnelTable, Mode, StageEvents, Window,
    LOST_CODE, WON_CODE,
};
use salespipe::Timestamp;
use salespipe_benches::PeerData;

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Strings in Arrow's layout: one buffer, `offsets` one more than the strings.
struct Texts {
    data: String,
    offsets: Vec<i64>,
}

impl Texts {
    fn of(values: impl Iterator<Item = String>) -> Texts {
        let mut t = Texts {
            data: String::new(),
            offsets: vec![0],
        };
        for v in values {
            t.data.push_str(&v);
            t.offsets.push(t.data.len() as i64);
        }
        t
    }

    fn get(&self, i: usize) -> &str {
        &self.data[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    fn chunk(&self) -> TextChunk<'_, i64> {
        TextChunk::new(&self.offsets, self.data.as_bytes(), 0)
    }

    fn len(&self) -> usize {
        self.offsets.len() - 1
    }
}

/// The string columns of `--strings`: opportunity ids of both tables as text, the events'
/// stages as dictionary keys into the stage ids (with `won` and `lost`).
struct StringColumns {
    event_opp: Texts,
    opp: Texts,
    stage_keys: Vec<i32>,
    stage_dict: Vec<String>,
}

impl StringColumns {
    fn of(t: &FunnelTable) -> StringColumns {
        let id = |o: &u64| format!("opp-{o:07}");
        let mut stage_dict: Vec<String> = t.stages.iter().map(|s| s.id.clone()).collect();
        stage_dict.extend(["won".to_owned(), "lost".to_owned()]);
        let open = t.stages.len() as i32;
        let stage_keys = t
            .event_stage
            .iter()
            .map(|&c| match c {
                WON_CODE => open,
                LOST_CODE => open + 1,
                c => i32::from(c),
            })
            .collect();
        StringColumns {
            event_opp: Texts::of(t.event_opp.iter().map(id)),
            opp: Texts::of(t.opp.iter().map(id)),
            stage_keys,
            stage_dict,
        }
    }

    /// The codes the report reads, as a binding makes them: the opportunity table's ids
    /// indexed, each event's id followed through it, each dictionary value coded once.
    fn codes(&self, t: &FunnelTable) -> Result<(Vec<u64>, Vec<u16>), String> {
        let ids: Vec<&str> = (0..self.opp.len()).map(|i| self.opp.get(i)).collect();
        let index = OppIndex::new(ids).map_err(|(row, id)| format!("row {row}: duplicate {id}"))?;
        let (mut prev, mut opp) = (None, Vec::new());
        index
            .follow_chunk(self.event_opp.chunk(), &mut prev, &mut opp)
            .map_err(|i| format!("event {i}: unknown opportunity {}", self.event_opp.get(i)))?;
        let stages = StageCodes::new(&t.stages);
        let dict: Vec<u16> = self
            .stage_dict
            .iter()
            .map(|s| stages.code(s).ok_or_else(|| format!("unknown stage {s}")))
            .collect::<Result<_, _>>()?;
        let stage = self
            .stage_keys
            .iter()
            .map(|&k| {
                usize::try_from(k)
                    .ok()
                    .and_then(|k| dict.get(k).copied())
                    .ok_or_else(|| format!("stage key {k} out of range"))
            })
            .collect::<Result<_, _>>()?;
        Ok((opp, stage))
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(dir) = args.get(1).map(PathBuf::from) else {
        eprintln!(
            "usage: funnel-peer DIR [--repeat N] [--unsorted] [--report] [--mode both|recorded|cumulative]"
        );
        std::process::exit(2);
    };
    let repeat: usize = args
        .iter()
        .position(|a| a == "--repeat")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let unsorted = args.iter().any(|a| a == "--unsorted");
    let strings = args.iter().any(|a| a == "--strings");
    let with_report = args.iter().any(|a| a == "--report");
    let mode = match args
        .iter()
        .position(|a| a == "--mode")
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
    {
        None | Some("both") => None,
        Some("recorded") => Some(Mode::Recorded),
        Some("cumulative") => Some(Mode::Cumulative),
        Some(other) => {
            eprintln!("--mode {other}: expected both, recorded or cumulative");
            std::process::exit(2);
        }
    };
    let mut data = match PeerData::load(&dir) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cannot load {}: {e}", dir.display());
            std::process::exit(1);
        }
    };
    if unsorted {
        data.shuffle_events(0x5eed);
    }
    // reset the peak-RSS mark so that the peak below is the report's own on top of the
    // input (not the loader's or the shuffle's temporaries, which are freed by now)
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let rss_loaded = peak_rss_kib();
    let window = Window::new(
        Some(Timestamp::from_millis(data.window_from_ms)),
        Some(Timestamp::from_millis(data.window_to_ms)),
    );
    let as_of = Timestamp::from_millis(data.as_of_ms);
    let texts = strings.then(|| StringColumns::of(&data.table));
    let mut times = Vec::new();
    let mut report = None;
    for _ in 0..repeat.max(1) {
        let t0 = Instant::now();
        let codes = match texts.as_ref().map(|t| t.codes(&data.table)).transpose() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("--strings: {e}");
                std::process::exit(1);
            }
        };
        let input = match &codes {
            Some((opp, stage)) => FunnelInput {
                events: StageEvents {
                    opp,
                    stage,
                    ..data.table.input().events
                },
                ..data.table.input()
            },
            None => data.table.input(),
        };
        // Each arm stops the clock before turning the report into JSON (kept for --report).
        let r = match mode {
            None => funnel_both(&input, as_of, window).map(|r| {
                times.push(t0.elapsed().as_secs_f64() * 1000.0);
                with_report.then(|| serde_json::to_value(r).ok()).flatten()
            }),
            Some(m) => funnel(&input, &FunnelParams::new(as_of).window(window).mode(m)).map(|r| {
                times.push(t0.elapsed().as_secs_f64() * 1000.0);
                with_report.then(|| serde_json::to_value(r).ok()).flatten()
            }),
        };
        match r {
            Ok(r) => report = r,
            Err(e) => {
                eprintln!("funnel failed: {e}");
                std::process::exit(1);
            }
        }
    }
    times.sort_by(f64::total_cmp);
    let out = serde_json::json!({
        "tool": "salespipe",
        "events": data.table.event_opp.len(),
        "opportunities": data.table.opp.len(),
        "unsorted": unsorted,
        "strings": strings,
        "best_ms": times.first(),
        "median_ms": times.get(times.len() / 2),
        "input_bytes": data.input_bytes(),
        "rss_after_load_kib": rss_loaded,
        "peak_rss_kib": peak_rss_kib(),
        "report": report,
    });
    #[allow(clippy::print_stdout)]
    {
        println!("{out}");
    }
}
