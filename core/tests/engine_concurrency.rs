//! Two engines on one store advancing the same opportunity at the same time.

mod common;

use std::sync::{Arc, Barrier};

use common::*;
use salespipe::*;

/// A store that makes every append wait at a barrier, so that two engines are sure to have
/// decided on the same expected version before either writes.
#[derive(Debug, Clone)]
struct RacingStore {
    inner: InMemoryStore,
    barrier: Arc<Barrier>,
    armed: Arc<std::sync::atomic::AtomicBool>,
}

impl EventStore for RacingStore {
    fn append_iter(
        &self,
        stream: &str,
        expected: u64,
        events: &mut dyn ExactSizeIterator<Item = NewEvent>,
        f: &mut dyn FnMut(&RecordedEvent),
    ) -> Result<u64> {
        if self.armed.load(std::sync::atomic::Ordering::SeqCst) {
            self.barrier.wait();
        }
        self.inner.append_iter(stream, expected, events, f)
    }
    fn read_stream(&self, stream: &str, after: u64) -> Result<Vec<RecordedEvent>> {
        self.inner.read_stream(stream, after)
    }
    fn read_all(&self, after: u64, limit: usize) -> Result<Vec<RecordedEvent>> {
        self.inner.read_all(after, limit)
    }
    fn head(&self) -> Result<u64> {
        self.inner.head()
    }
    fn stream_version(&self, stream: &str) -> Result<u64> {
        self.inner.stream_version(stream)
    }
}

#[test]
fn exactly_one_of_two_concurrent_advances_wins_and_the_other_gets_conflict() {
    for round in 0..20 {
        let store = RacingStore {
            inner: InMemoryStore::new(),
            barrier: Arc::new(Barrier::new(2)),
            armed: Arc::new(false.into()),
        };
        let clock = ManualClock::new(t("2026-03-02T01:00:00Z"));
        let mut a = Engine::builder()
            .store(store.clone())
            .clock(clock.clone())
            .build()
            .unwrap();
        setup(&mut a);
        a.create_opportunity("wang", new_opp("o1", 1000)).unwrap();
        a.tick("wang", "o1", "budget confirmed").unwrap();
        let b = Engine::builder()
            .store(store.clone())
            .clock(clock.clone())
            .build()
            .unwrap();
        store.armed.store(true, std::sync::atomic::Ordering::SeqCst);

        let run = |mut e: Engine, actor: &'static str| {
            std::thread::spawn(move || {
                let r = e.advance(actor, "o1", "demo");
                (e, r)
            })
        };
        let ha = run(a, "wang");
        let hb = run(b, "li");
        let (mut a, ra) = ha.join().unwrap();
        let (mut b, rb) = hb.join().unwrap();
        store
            .armed
            .store(false, std::sync::atomic::Ordering::SeqCst);

        let results = [&ra, &rb];
        assert_eq!(
            results.iter().filter(|r| r.is_ok()).count(),
            1,
            "round {round}: {ra:?} {rb:?}"
        );
        let err = results.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert_eq!(err.code(), ErrorCode::Conflict, "round {round}: {err}");
        assert!(
            matches!(
                err,
                Error::Conflict {
                    expected: 2,
                    actual: 3,
                    ..
                }
            ),
            "{err:?}"
        );

        // Nothing is lost: the store holds exactly one move, and both engines agree after catching up.
        let moves = store
            .read_stream("opportunity/o1", 0)
            .unwrap()
            .into_iter()
            .filter(|e| matches!(e.event, Event::Moved { .. }))
            .count();
        assert_eq!(moves, 1);
        a.catch_up().unwrap();
        b.catch_up().unwrap();
        assert_eq!(a.view().state(), b.view().state());
        assert_eq!(
            a.view().opportunity(&"o1".into()).unwrap().stage.as_str(),
            "demo"
        );
        // The loser retries: the opportunity is already there.
        assert_eq!(
            b.advance("li", "o1", "demo").unwrap_err().code(),
            ErrorCode::InvalidTransition
        );
    }
}

#[test]
fn an_engine_sees_what_another_wrote_before_its_next_command() {
    let store = InMemoryStore::new();
    let mut a = Engine::builder().store(store.clone()).build().unwrap();
    let mut b = Engine::builder().store(store).build().unwrap();
    setup(&mut a);
    b.create_opportunity("wang", new_opp("o1", 1)).unwrap();
    assert!(a.view().opportunity(&"o1".into()).is_err());
    a.tick("wang", "o1", "budget confirmed").unwrap();
    assert!(a
        .view()
        .opportunity(&"o1".into())
        .unwrap()
        .checklist
        .contains("budget confirmed"));
}

/// `Engine::wait_for_events` on a store without notifications (the trait's polling
/// default): it times out with 0 when nothing comes, and is woken by another engine's
/// append, folding it in.
#[test]
fn wait_for_events_polls_a_shared_store() {
    let store = InMemoryStore::new();
    let mut a = Engine::builder().store(store.clone()).build().unwrap();
    a.register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    let mut b = Engine::builder().store(store.clone()).build().unwrap();
    let t = std::time::Instant::now();
    assert_eq!(
        b.wait_for_events(std::time::Duration::from_millis(30))
            .unwrap(),
        0
    );
    assert!(t.elapsed() >= std::time::Duration::from_millis(30));
    std::thread::scope(|s| {
        s.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            let mut c = Engine::builder().store(store.clone()).build().unwrap();
            c.register_user("admin", User::new("wang", "王芳", Role::Rep))
                .unwrap();
        });
        let t = std::time::Instant::now();
        assert_eq!(
            b.wait_for_events(std::time::Duration::from_secs(10))
                .unwrap(),
            1
        );
        assert!(t.elapsed() < std::time::Duration::from_secs(5));
    });
    let fresh = Engine::builder().store(store).build().unwrap();
    assert_eq!(b.view().state(), fresh.view().state());
}
