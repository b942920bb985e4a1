//! The SQLite read models (kept in the append transaction) answer exactly what the engine's
//! in-memory state answers, after random histories of commands, and after reopening.
#![cfg(feature = "sqlite")]
#![allow(clippy::unwrap_used)] // test helpers, not library code

use std::collections::BTreeSet;
use std::time::Duration;

use salespipe::store::{SqliteOptions, SqliteStore, Synchronous};
use salespipe::*;

struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            items.get(self.below(items.len() as u64) as usize)
        }
    }
}

const OWNERS: [&str; 3] = ["admin", "wang", "li"];
const CUSTOMERS: [&str; 3] = ["c0", "c1", "c2"];

fn setup(engine: &mut Engine) {
    engine
        .register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    for rep in ["wang", "li"] {
        engine
            .register_user("admin", User::new(rep, rep, Role::Rep).managed_by("admin"))
            .unwrap();
    }
    let mut sales = Pipeline::builder("sales", "Sales");
    for (i, s) in ["s1", "s2", "s3", "s4"].iter().enumerate() {
        sales = sales.stage(Stage::new(*s, *s, 0.2 * (i as f64 + 1.0)));
    }
    engine
        .define_pipeline("admin", sales.build().unwrap())
        .unwrap();
    engine
        .define_pipeline(
            "admin",
            Pipeline::builder("renewal", "Renewal")
                .stage(Stage::new("r1", "r1", 0.5))
                .stage(Stage::new("r2", "r2", 0.8))
                .build()
                .unwrap(),
        )
        .unwrap();
    for c in CUSTOMERS {
        engine
            .create_customer("admin", Customer::new(c, c))
            .unwrap();
    }
}

/// One random command; most succeed, some are refused (that is fine: refused commands
/// write nothing).
fn step(engine: &mut Engine, rng: &mut Rng, clock: &ManualClock, n: u64) {
    clock.advance(Duration::from_secs(rng.below(100_000)));
    let opps: Vec<OpportunityId> = engine
        .view()
        .opportunities()
        .iter()
        .map(|o| o.id.clone())
        .collect();
    let tasks: Vec<TaskId> = engine
        .view()
        .open_tasks(None)
        .iter()
        .map(|t| t.id.clone())
        .collect();
    let owner = *rng.pick(&OWNERS).unwrap();
    let customer = *rng.pick(&CUSTOMERS).unwrap();
    let opp = rng.pick(&opps).cloned();
    let _ = match (rng.below(13), opp) {
        (0 | 1, _) | (_, None) => {
            let pipeline = if rng.below(3) == 0 {
                "renewal"
            } else {
                "sales"
            };
            engine.create_opportunity(
                "admin",
                NewOpportunity::new(
                    format!("o{n}"),
                    pipeline,
                    customer,
                    owner,
                    format!("deal {n}"),
                    Money::from_minor(rng.below(1_000_000) as i64, Currency::new("CNY").unwrap()),
                ),
            )
        }
        (2 | 3, Some(o)) => {
            let (pipeline, stage) = {
                let view = engine.view();
                let o = view.opportunity(&o).unwrap();
                (view.pipeline(&o.pipeline).unwrap().clone(), o.stage.clone())
            };
            let next = pipeline
                .stage_index(&stage)
                .and_then(|i| pipeline.stages.get(i + 1))
                .map_or_else(|| StageId::new(WON), |s| s.id.clone());
            engine.advance("admin", o, next)
        }
        (4, Some(o)) => {
            let first = {
                let view = engine.view();
                let p = &view.opportunity(&o).unwrap().pipeline;
                view.pipeline(p).unwrap().stages[0].id.clone()
            };
            engine.move_back("admin", o, first, Some("re-qualify".into()))
        }
        (5, Some(o)) => engine.lose("admin", o, "price", Some("Globex".into())),
        (6, Some(o)) => engine.reopen("admin", o, None, "came back"),
        (7, Some(o)) => engine.update_opportunity(
            "admin",
            o,
            OpportunityPatch {
                owner: Some(owner.into()),
                name: (rng.below(2) == 0).then(|| format!("renamed {n}")),
                amount: Some(Money::parse("42.50", "CNY").unwrap()),
                ..OpportunityPatch::default()
            },
        ),
        (8 | 9, o) => {
            let mut a = Activity::new(
                format!("a{n}"),
                "call",
                customer,
                clock.now().plus_millis(-(rng.below(10) as i64) * 1000),
            );
            if rng.below(2) == 0 {
                a = a.on_opportunity(o.unwrap());
            }
            engine.log_activity("admin", a)
        }
        (10, o) => {
            let mut t = Task::new(
                format!("t{n}"),
                "follow up",
                owner,
                clock.now().plus_millis(rng.below(5) as i64 * 3_600_000),
            );
            if rng.below(2) == 0 {
                t = t.on_opportunity(o.unwrap());
            }
            engine.create_task("admin", t)
        }
        (11, _) => match rng.pick(&tasks).cloned() {
            Some(t) => engine.complete_task("admin", t),
            None => Ok(()),
        },
        (_, _) => {
            // Edit the sales pipeline: drop a middle stage (mapping its deals to the first)
            // or add one back.
            let mut p = engine.view().pipeline(&"sales".into()).unwrap().clone();
            let mut mapping = Vec::new();
            if p.stages.len() > 2 && rng.below(2) == 0 {
                let i = 1 + rng.below(p.stages.len() as u64 - 2) as usize;
                let removed = p.stages.remove(i);
                mapping.push((removed.id, p.stages[0].id.clone()));
            } else {
                p.stages.push(Stage::new(format!("x{n}"), "extra", 0.9));
            }
            engine
                .execute(
                    "admin",
                    Command::EditPipeline {
                        pipeline: p,
                        mapping: mapping.into_iter().collect(),
                    },
                )
                .map(drop)
        }
    };
}

type Row = (String, String, String, String, String, String, Money);

fn row_of(o: &Opportunity) -> Row {
    (
        o.id.to_string(),
        o.pipeline.to_string(),
        o.stage.to_string(),
        o.owner.to_string(),
        o.customer.to_string(),
        o.name.clone(),
        o.amount,
    )
}

/// Every read-model question gets the engine's answer.
fn assert_read_models_agree(store: &SqliteStore, engine: &Engine, ctx: &str) {
    let rows = |v: Vec<store::OpportunityRow>| -> Vec<Row> {
        v.into_iter()
            .map(|r| {
                (
                    r.id.to_string(),
                    r.pipeline.to_string(),
                    r.stage.to_string(),
                    r.owner.to_string(),
                    r.customer.to_string(),
                    r.name,
                    r.amount,
                )
            })
            .collect()
    };
    let mut stages: BTreeSet<(PipelineId, StageId)> = engine
        .view()
        .opportunities()
        .iter()
        .map(|o| (o.pipeline.clone(), o.stage.clone()))
        .collect();
    for p in engine.view().pipelines() {
        stages.extend(p.stages.iter().map(|s| (p.id.clone(), s.id.clone())));
    }
    let mut open = 0;
    for (p, s) in &stages {
        let expected: Vec<Row> = engine
            .view()
            .opportunities_in_stage(p, s)
            .into_iter()
            .map(row_of)
            .collect();
        open += expected.len();
        assert_eq!(
            rows(store.open_opportunities_by_stage(p, s).unwrap()),
            expected,
            "{ctx}: {p}/{s}"
        );
    }
    assert!(
        open > 0 || engine.view().opportunities().is_empty(),
        "{ctx}"
    );
    for owner in OWNERS {
        let expected: Vec<Row> = engine
            .view()
            .opportunities()
            .into_iter()
            .filter(|o| o.is_open() && o.owner.as_str() == owner)
            .map(row_of)
            .collect();
        assert_eq!(
            rows(store.open_opportunities_by_owner(&owner.into()).unwrap()),
            expected,
            "{ctx}: owner {owner}"
        );
        let tasks: Vec<Task> = engine
            .view()
            .open_tasks(Some(&owner.into()))
            .into_iter()
            .cloned()
            .collect();
        assert_eq!(
            store.open_tasks(Some(&owner.into())).unwrap(),
            tasks,
            "{ctx}"
        );
    }
    let tasks: Vec<Task> = engine
        .view()
        .open_tasks(None)
        .into_iter()
        .cloned()
        .collect();
    assert_eq!(store.open_tasks(None).unwrap(), tasks, "{ctx}");
    for c in CUSTOMERS {
        let acts: Vec<Activity> = engine
            .view()
            .activities_for_customer(&c.into())
            .into_iter()
            .cloned()
            .collect();
        assert_eq!(
            store.activities_for_customer(&c.into()).unwrap(),
            acts,
            "{ctx}: {c}"
        );
    }
}

#[test]
fn read_models_equal_the_engine_state_after_random_histories() {
    for seed in [0x2545_F491_4F6C_DD1D_u64, 0x9E37_79B9_7F4A_7C15, 7] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rm.sqlite");
        let opts = SqliteOptions::default().synchronous(Synchronous::Normal);
        let store = SqliteStore::open_with(&path, opts.clone()).unwrap();
        let clock = ManualClock::new("2026-03-02T01:00:00Z".parse().unwrap());
        let mut engine = Engine::builder()
            .store(store.clone())
            .clock(clock.clone())
            .build()
            .unwrap();
        setup(&mut engine);
        let mut rng = Rng(seed);
        for n in 0..600 {
            step(&mut engine, &mut rng, &clock, n);
            if n % 150 == 149 {
                assert_read_models_agree(&store, &engine, &format!("seed {seed:#x}, step {n}"));
            }
        }
        let events = store.head().unwrap();
        assert!(events > 300, "a rich history ({events} events)");
        let edits = engine.view().pipeline(&"sales".into()).unwrap().version;
        assert!(edits > 1, "the pipeline was edited");

        // Reopened, the file gives the same answers and replays to the same state.
        drop(store);
        let store = SqliteStore::open_with(&path, opts).unwrap();
        assert_read_models_agree(&store, &engine, &format!("seed {seed:#x}, reopened"));
        let replayed = Engine::builder().store(store.clone()).build().unwrap();
        assert_eq!(replayed.view().state(), engine.view().state());
        // And so does a rebuild from the events.
        store.rebuild_read_models().unwrap();
        assert_read_models_agree(&store, &engine, &format!("seed {seed:#x}, rebuilt"));
    }
}
