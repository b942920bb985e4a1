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
    recorded_events_read_back_equal(&fresh());
    conflicts_report_the_actual_version(&fresh());
    reads_past_the_end_are_empty(&fresh());
    concurrent_appends_have_one_winner(&fresh());
    append_iter_lends_what_it_recorded(&fresh());
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

/// Events with every kind of payload the JSON of events carries: nested structs, maps,
/// floats, dates, money, optional fields, unicode and quotes.
fn rich_events() -> Vec<NewEvent> {
    use crate::activity::{Activity, Task};
    use crate::event::MoveKind;
    use crate::money::Money;
    use crate::opportunity::{Competitor, FieldValue, NewOpportunity, ProductLine};
    let cny = |s: &str| Money::parse(s, "CNY").unwrap();
    let mut opp = NewOpportunity::new(
        "opp-\u{9500}",
        "sales",
        "acme",
        "wang",
        "Acme \"ERP\" 二期 \\ phase 2",
        cny("120000.50"),
    );
    opp.stage = Some("qualify".into());
    opp.expected_close = crate::clock::parse_date("close", "2026-06-30").ok();
    opp.source = Some("展会".into());
    opp.products = vec![ProductLine::new("GTX Pro", 3, cny("4821")).discount_bp(1000)];
    opp.competitors = vec![Competitor::new("Globex")];
    opp.fields
        .insert("score".into(), FieldValue::Number(0.1 + 0.2));
    opp.fields.insert("flag".into(), FieldValue::Bool(true));
    opp.fields.insert(
        "note".into(),
        FieldValue::Text("line\nbreak \u{1F600}".into()),
    );
    let at = Timestamp::from_millis(1_772_413_200_123);
    let new = |event| NewEvent {
        at,
        actor: "王芳".into(),
        event,
    };
    vec![
        new(Event::OpportunityCreated {
            opportunity: Box::new(opp),
        }),
        new(Event::Moved {
            opportunity: "opp-\u{9500}".into(),
            from: "qualify".into(),
            to: "lost".into(),
            how: MoveKind::Lost,
            reason: Some("price".into()),
            competitor: Some("Globex".into()),
        }),
        new(Event::ActivityLogged {
            activity: Box::new(
                Activity::new("act-1", "demo", "acme", at)
                    .on_opportunity("opp-\u{9500}")
                    .notes("showed the \"reports\"")
                    .follow_up_at(Timestamp::from_millis(253_402_300_799_999)), // 9999-12-31
            ),
        }),
        new(Event::TaskCreated {
            task: Box::new(Task::new(
                "task-1",
                "Send quote",
                "wang",
                Timestamp::from_millis(-5),
            )),
        }),
    ]
}

fn recorded_events_read_back_equal<S: EventStore>(s: &S) {
    let events = rich_events();
    let appended = s
        .append("opportunity/opp-\u{9500}", 0, events.clone())
        .unwrap();
    for (r, e) in appended.iter().zip(&events) {
        assert_eq!((r.at, &r.actor, &r.event), (e.at, &e.actor, &e.event));
        assert_eq!(&*r.stream, "opportunity/opp-\u{9500}");
        assert_eq!(r.schema, crate::event::SCHEMA_VERSION);
    }
    assert_eq!(
        s.read_stream("opportunity/opp-\u{9500}", 0).unwrap(),
        appended
    );
    assert_eq!(s.read_all(0, 100).unwrap(), appended);
    assert_eq!(
        s.read_stream("opportunity/opp-\u{9500}", 2).unwrap(),
        appended[2..]
    );
}

fn conflicts_report_the_actual_version<S: EventStore>(s: &S) {
    s.append("a", 0, vec![ev(1), ev(2), ev(3)]).unwrap();
    for expected in [0, 1, 2, 4, 99, u64::MAX] {
        match s.append("a", expected, vec![ev(9)]).unwrap_err() {
            crate::Error::Conflict {
                stream,
                expected: e,
                actual,
            } => assert_eq!((stream.as_str(), e, actual), ("a", expected, 3)),
            other => panic!("expected a conflict, got {other:?}"),
        }
    }
    // A stream that does not exist has version 0.
    let e = s.append("b", 1, vec![ev(9)]).unwrap_err();
    assert!(matches!(e, crate::Error::Conflict { actual: 0, .. }));
    assert_eq!(s.head().unwrap(), 3);
    assert_eq!(s.append("b", 0, vec![ev(4)]).unwrap()[0].position, 4);
}

fn reads_past_the_end_are_empty<S: EventStore>(s: &S) {
    assert!(s.read_all(0, 10).unwrap().is_empty());
    s.append("a", 0, vec![ev(1), ev(2)]).unwrap();
    assert!(s.read_all(0, 0).unwrap().is_empty());
    assert!(s.read_all(2, 10).unwrap().is_empty());
    assert!(s.read_all(u64::MAX, usize::MAX).unwrap().is_empty());
    assert_eq!(s.read_all(1, usize::MAX).unwrap().len(), 1);
    assert!(s.read_stream("a", 2).unwrap().is_empty());
    assert!(s.read_stream("a", u64::MAX).unwrap().is_empty());
}

/// Several threads race on a few streams, each appending with the version it last read;
/// losers get `Conflict`. Afterwards positions are 1..=n without gaps, every stream's
/// versions are 1..=v, and each stream holds exactly the winners' events.
fn concurrent_appends_have_one_winner<S: EventStore>(s: &S) {
    const THREADS: i64 = 4;
    const TRIES: i64 = 40;
    let winners = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let winners = &winners;
            scope.spawn(move || {
                for i in 0..TRIES {
                    let stream = format!("race/{}", i % 3);
                    let v = s.stream_version(&stream).unwrap();
                    let n = t * 1000 + i;
                    match s.append(&stream, v, vec![ev(n), ev(-n)]) {
                        Ok(rec) => winners.lock().unwrap().push((stream, n, rec)),
                        Err(e) => assert_eq!(e.code(), ErrorCode::Conflict, "{e}"),
                    }
                }
            });
        }
    });
    let winners = winners.into_inner().unwrap();
    let all = s.read_all(0, usize::MAX).unwrap();
    assert_eq!(all.len(), winners.len() * 2);
    assert_eq!(
        all.iter().map(|r| r.position).collect::<Vec<_>>(),
        (1..=all.len() as u64).collect::<Vec<_>>()
    );
    for (stream, n, rec) in &winners {
        let pos = usize::try_from(rec[0].position).unwrap();
        assert_eq!(&all[pos - 1..pos + 1], &rec[..], "winner {n} on {stream}");
        assert_eq!(rec[1].version, rec[0].version + 1);
    }
    for i in 0..3 {
        let stream = format!("race/{i}");
        let versions: Vec<u64> = s
            .read_stream(&stream, 0)
            .unwrap()
            .iter()
            .map(|r| r.version)
            .collect();
        assert_eq!(versions, (1..=versions.len() as u64).collect::<Vec<_>>());
        assert_eq!(s.stream_version(&stream).unwrap(), versions.len() as u64);
    }
}

fn append_iter_lends_what_it_recorded<S: EventStore>(s: &S) {
    s.append("a", 0, vec![ev(1)]).unwrap();
    let mut lent = Vec::new();
    let last = s
        .append_iter("b", 0, &mut vec![ev(2), ev(3)].into_iter(), &mut |r| {
            lent.push(r.clone())
        })
        .unwrap();
    assert_eq!(last, 3);
    assert_eq!(
        lent.iter()
            .map(|r| (&*r.stream, r.position, r.version, r.at.as_millis()))
            .collect::<Vec<_>>(),
        [("b", 2, 1, 2), ("b", 3, 2, 3)]
    );
    assert_eq!(s.read_all(1, 10).unwrap(), lent);
    assert_eq!(s.read_stream("b", 0).unwrap(), lent);
    assert_eq!(s.read_stream("b", 1).unwrap(), lent[1..]);
    // Interleaved streams read back in their own order.
    s.append_iter("a", 1, &mut vec![ev(4)].into_iter(), &mut |_| {})
        .unwrap();
    s.append_iter("b", 2, &mut vec![ev(5)].into_iter(), &mut |_| {})
        .unwrap();
    let versions = |stream: &str, after: u64| -> Vec<(u64, i64)> {
        s.read_stream(stream, after)
            .unwrap()
            .iter()
            .map(|r| (r.version, r.at.as_millis()))
            .collect()
    };
    assert_eq!(versions("a", 0), [(1, 1), (2, 4)]);
    assert_eq!(versions("b", 0), [(1, 2), (2, 3), (3, 5)]);
    assert_eq!(versions("b", 2), [(3, 5)]);
    assert!(versions("b", 3).is_empty());
    assert_eq!(s.stream_version("b").unwrap(), 3);
    // A conflict or an empty batch lends nothing and writes nothing.
    let mut called = false;
    let err = s
        .append_iter("b", 1, &mut vec![ev(6)].into_iter(), &mut |_| called = true)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Conflict);
    let err = s
        .append_iter("c", 0, &mut Vec::new().into_iter(), &mut |_| called = true)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Validation);
    assert!(!called);
    assert_eq!(s.head().unwrap(), 5);
}
