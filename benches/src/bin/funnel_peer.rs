//! Times salespipe's full funnel report (validation, both modes, grouped by owner) over the
//! data of `benches/peers/gen.py`, single-threaded, and prints JSON for `compare.py`.
//!
//! usage: funnel-peer DIR [--repeat N] [--unsorted] [--report]

use std::path::PathBuf;
use std::time::Instant;

use salespipe::analytics::{funnel_both, Window};
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
        eprintln!("usage: funnel-peer DIR [--repeat N] [--unsorted] [--report]");
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
        let r = funnel_both(&input, as_of, window);
        times.push(t0.elapsed().as_secs_f64() * 1000.0);
        match r {
            Ok(r) => report = Some(r),
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
        "report": if with_report { serde_json::to_value(&report).ok() } else { None },
    });
    #[allow(clippy::print_stdout)]
    {
        println!("{out}");
    }
}
