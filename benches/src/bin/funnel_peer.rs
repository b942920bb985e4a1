//! Times salespipe's full funnel report (validation, both modes, grouped by owner) over the
//! data of `benches/peers/gen.py`, single-threaded, and prints JSON for `compare.py`.
//!
//! usage: funnel-peer DIR [--repeat N] [--unsorted] [--report] [--mode both|recorded|cumulative]
//!
//! `--mode recorded` (or `cumulative`) times one mode alone, the call `salespipe.funnel` makes
//! from Python (`bindings-python/benches/funnel_bench.py` compares the two).

use std::path::PathBuf;
use std::time::Instant;

use salespipe::analytics::{funnel, funnel_both, FunnelParams, Mode, Window};
use salespipe::Timestamp;
use salespipe_benches::PeerData;

fn peak_rss_kib() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
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
    let input = data.table.input();
    let mut times = Vec::new();
    let mut report = None;
    for _ in 0..repeat.max(1) {
        let t0 = Instant::now();
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
