//! Runs the example over the maven-crm data set (when it is there) and checks its totals line.

use std::path::Path;
use std::process::Command;

#[test]
fn manager_example_runs_over_maven_crm() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/maven-crm");
    if !data.join("sales_pipeline.csv").is_file() {
        eprintln!("skipped: no maven-crm data at {}", data.display());
        return;
    }
    let out = Command::new(env!("CARGO_BIN_EXE_manager"))
        .arg(&data)
        .output()
        .expect("the example runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "exit {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(
            "totals: 8800 opportunities, 4238 won, 2473 lost, 2089 open; won revenue USD 10005534"
        ),
        "{stdout}"
    );
    for part in [
        "Attainment 2017-Q4",
        "team:head.west West head",
        "! melvin.marxen-2017-Q4: the parts of team:melvin.marxen sum to 300000.00 USD",
        "daily report darcel.schlecht 2017-07-25 (America/Chicago)",
        "GTX series",
        "open deals at as_of: 2089 (500 in Prospecting, 1589 in Engaging)",
    ] {
        assert!(stdout.contains(part), "missing {part:?} in\n{stdout}");
    }
}

#[test]
fn a_missing_data_dir_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_manager"))
        .arg("/nonexistent/maven-crm")
        .output()
        .expect("the example runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("does not hold sales_pipeline.csv"),
        "{stderr}"
    );
}
