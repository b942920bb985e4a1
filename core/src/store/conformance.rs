//! The shared test suite every [`EventStore`] must pass. Call [`run_all`] with a factory of
//! fresh, empty stores (enable the `testing` feature outside this crate).
#![allow(clippy::unwrap_used)]

use super::EventStore;
use crate::clock::Timestamp;
use crate::event::{Event, NewEvent};
use crate::ErrorCode;

fn ev(n: i64) -> NewEvent {
    NewEvent {
        at: Timestamp::from_millis(n),
        actor: "tester".into(),
        event: Event::TaskDone {
            task: format!("t{n}").into(),
            done: n % 2 == 0,
        },
    }
}

/// Runs every check against stores made by `fresh`. Panics (as a test failure) on the first
/// divergence from the contract.
pub fn run_all<S: EventStore, F: Fn() -> S>(fresh: F) {
    append_then_read(&fresh());
    conflicts_write_nothing(&fresh());
    read_all_pages_in_order(&fresh());
    empty_append_is_refused(&fresh());
}

fn append_then_read<S: EventStore>(s: &S) {
    assert_eq!(s.head().unwrap(), 0);
    assert_eq!(s.stream_version("a").unwrap(), 0);
    let rec = s.append("a", 0, vec![ev(1), ev(2)]).unwrap();
    assert_eq!(
        rec.iter()
            .map(|r| (r.position, r.version))
            .collect::<Vec<_>>(),
        [(1, 1), (2, 2)]
    );
    let rec = s.append("b", 0, vec![ev(3)]).unwrap();
    assert_eq!((rec[0].position, rec[0].version), (3, 1));
    s.append("a", 2, vec![ev(4)]).unwrap();
    assert_eq!(s.stream_version("a").unwrap(), 3);
    assert_eq!(s.head().unwrap(), 4);
    let a = s.read_stream("a", 0).unwrap();
    assert_eq!(
        a.iter().map(|r| r.at.as_millis()).collect::<Vec<_>>(),
        [1, 2, 4]
    );
    assert_eq!(s.read_stream("a", 2).unwrap().len(), 1);
    assert!(s.read_stream("nope", 0).unwrap().is_empty());
    assert_eq!(a[0].event, ev(1).event);
    assert_eq!(a[0].actor.as_str(), "tester");
}

fn conflicts_write_nothing<S: EventStore>(s: &S) {
    s.append("a", 0, vec![ev(1)]).unwrap();
    let e = s.append("a", 0, vec![ev(2), ev(3)]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert!(matches!(
        e,
        crate::Error::Conflict {
            expected: 0,
            actual: 1,
            ..
        }
    ));
    let e = s.append("a", 5, vec![ev(2)]).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Conflict);
    assert_eq!(s.head().unwrap(), 1);
    assert_eq!(s.stream_version("a").unwrap(), 1);
}

fn read_all_pages_in_order<S: EventStore>(s: &S) {
    for i in 0..10 {
        let stream = format!("s{}", i % 3);
        let v = s.stream_version(&stream).unwrap();
        s.append(&stream, v, vec![ev(i)]).unwrap();
    }
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page = s.read_all(after, 3).unwrap();
        if page.is_empty() {
            break;
        }
        after = page.last().map(|r| r.position).unwrap_or(after);
        seen.extend(page.into_iter().map(|r| r.position));
    }
    assert_eq!(seen, (1..=10).collect::<Vec<u64>>());
    assert!(s.read_all(10, 5).unwrap().is_empty());
    assert_eq!(
        s.read_all(4, 2)
            .unwrap()
            .iter()
            .map(|r| r.position)
            .collect::<Vec<_>>(),
        [5, 6]
    );
}

fn empty_append_is_refused<S: EventStore>(s: &S) {
    assert_eq!(
        s.append("a", 0, vec![]).unwrap_err().code(),
        ErrorCode::Validation
    );
    assert_eq!(s.head().unwrap(), 0);
}
