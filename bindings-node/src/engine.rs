//! `Engine` and `ManualClock`: the core engine behind a read-write lock, spoken to in the
//! core's JSON (`execute`, `query`) and through its typed commands, which return nothing.
//!
//! Commands take the lock alone; queries share it. The cheap calls are synchronous;
//! `Engine.open` (replaying a SQLite store) and `queryAsync` (heavy reports) run on libuv's
//! thread pool as `AsyncTask`s and return Promises.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

use chrono::{DateTime, Utc};
use napi::bindgen_prelude::{
    AsyncTask, ClassInstance, External, Function, JsObjectValue, JsValue, ToNapiValue, TypeName,
    Unknown, ValueType,
};
use napi::{Env, Task};
use salespipe::{
    Command, Decision, Engine as CoreEngine, Error, ManualClock as CoreClock, Query, ReminderId,
    StageId, Timestamp,
};
use serde_json::{json, Map, Value};

use crate::analytics::FunnelSection;
use crate::convert::{date, from_json, timestamp, to_json, Text};
use crate::error::{guard, guard_task};
use napi::Result;

/// A clock that moves only when told to; give it to an `Engine` to control time.
#[napi]
#[derive(Debug, Clone)]
pub struct ManualClock {
    inner: CoreClock,
}

#[napi]
impl ManualClock {
    /// A clock at `at` (default: the system time now).
    #[napi(constructor)]
    pub fn new(at: Option<DateTime<Utc>>) -> Result<Self, String> {
        guard(|| {
            let at = match at {
                Some(at) => timestamp(&at, "at")?,
                None => Timestamp::from_datetime(&Utc::now()),
            };
            Ok(ManualClock {
                inner: CoreClock::new(at),
            })
        })
    }

    /// The clock's time.
    #[napi]
    pub fn now(&self) -> DateTime<Utc> {
        date(salespipe::Clock::now(&self.inner))
    }

    /// Sets the time.
    #[napi]
    pub fn set(&self, at: DateTime<Utc>) -> Result<(), String> {
        guard(|| {
            self.inner.set(timestamp(&at, "at")?);
            Ok(())
        })
    }

    /// Moves the time forward by `ms` milliseconds (a whole, non-negative number).
    #[napi]
    pub fn advance(&self, ms: f64) -> Result<(), String> {
        guard(|| {
            if !(ms.is_finite() && ms >= 0.0 && ms.fract() == 0.0) {
                return Err(Error::validation(
                    "ms",
                    format!("{ms} is not a whole, non-negative number of milliseconds"),
                ));
            }
            self.inner
                .advance(std::time::Duration::from_millis(ms as u64));
            Ok(())
        })
    }
}

/// How to build an `Engine`.
#[napi(object)]
#[allow(missing_debug_implementations)]
pub struct EngineOptions<'env> {
    /// A `postgres://` (or `postgresql://`) URL of a PostgreSQL database (`?schema=` picks
    /// the schema), or a SQLite file (created if missing, replayed if it exists); in memory
    /// when absent.
    pub store: Option<String>,
    /// A manual clock; the system clock when absent.
    pub clock: Option<ClassInstance<'env, ManualClock>>,
    /// Build the reminder and daily-report indexes while opening (one pass over the store)
    /// instead of on their first query; default `false`. For a server that answers
    /// reminders and daily reports: its first answers come without a wait.
    pub indexes_on_open: Option<bool>,
}

/// What an engine is built from, detached from JavaScript.
#[derive(Debug)]
struct Setup {
    store: Option<String>,
    clock: Option<CoreClock>,
    indexes_on_open: bool,
}

impl Setup {
    fn of(options: Option<EngineOptions<'_>>) -> Self {
        match options {
            Some(o) => Setup {
                store: o.store,
                clock: o.clock.map(|c| c.inner.clone()),
                indexes_on_open: o.indexes_on_open.unwrap_or(false),
            },
            None => Setup {
                store: None,
                clock: None,
                indexes_on_open: false,
            },
        }
    }

    fn build(self) -> salespipe::Result<CoreEngine> {
        let builder = CoreEngine::builder().indexes_on_open(self.indexes_on_open);
        let builder = match self.clock {
            Some(c) => builder.clock(c),
            None => builder,
        };
        let builder = match self.store {
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                builder.store(salespipe::store::PostgresStore::open(&url)?)
            }
            Some(path) => builder.store(salespipe::store::SqliteStore::open(path)?),
            None => builder,
        };
        builder.build()
    }
}

/// The error of a lock a panicking call left poisoned.
fn poisoned<T>(_: T) -> Error {
    Error::storage("the engine's lock is poisoned")
}

/// The core engine behind a JavaScript `Engine`; `None` once `close()`d.
type Slot = RwLock<Option<CoreEngine>>;

/// A guard of an engine that is open (checked when the guard is made).
struct Open<G>(G);

impl<G: Deref<Target = Option<CoreEngine>>> Deref for Open<G> {
    type Target = CoreEngine;

    fn deref(&self) -> &CoreEngine {
        match &*self.0 {
            Some(engine) => engine,
            // `read` and `write` make an `Open` only of a `Some`, and hold the lock.
            None => unreachable!("an Open guard of a closed engine"),
        }
    }
}

impl<G: DerefMut<Target = Option<CoreEngine>>> DerefMut for Open<G> {
    fn deref_mut(&mut self) -> &mut CoreEngine {
        match &mut *self.0 {
            Some(engine) => engine,
            None => unreachable!("an Open guard of a closed engine"),
        }
    }
}

/// The error of a call on a closed engine.
fn closed() -> Error {
    Error::validation("engine", "the engine is closed")
}

fn read(engine: &Slot) -> salespipe::Result<Open<RwLockReadGuard<'_, Option<CoreEngine>>>> {
    let guard = engine.read().map_err(poisoned)?;
    if guard.is_none() {
        return Err(closed());
    }
    Ok(Open(guard))
}

fn write(engine: &Slot) -> salespipe::Result<Open<RwLockWriteGuard<'_, Option<CoreEngine>>>> {
    let guard = engine.write().map_err(poisoned)?;
    if guard.is_none() {
        return Err(closed());
    }
    Ok(Open(guard))
}

/// The engine's funnel sections of a `funnel` query (the core's JSON) as `actor`.
fn funnel_sections(
    engine: &Slot,
    actor: Option<&str>,
    query: Value,
) -> salespipe::Result<Vec<salespipe::CurrencySection<salespipe::analytics::FunnelReport>>> {
    let query: Query = from_json(query, "query")?;
    let reader = actor.map_or(salespipe::Reader::Host, salespipe::Reader::from);
    match read(engine)?.query(reader, query)? {
        salespipe::QueryResult::Funnel(sections) => Ok(sections),
        _ => Err(Error::storage("a funnel query gave no funnel")),
    }
}

/// Answers a query (the core's JSON) as `actor` (`None`: the host, who reads everything).
fn answer(engine: &Slot, actor: Option<&str>, query: Value) -> salespipe::Result<Value> {
    let query: Query = from_json(query, "query")?;
    let reader = actor.map_or(salespipe::Reader::Host, salespipe::Reader::from);
    let result = read(engine)?.query(reader, query)?;
    to_json(&result)
}

/// `{"type": kind, ...fields}`.
fn tagged(kind: &str, fields: Value) -> Value {
    let mut map = Map::new();
    map.insert("type".to_owned(), Value::String(kind.to_owned()));
    if let Value::Object(fields) = fields {
        for (k, v) in fields {
            if !v.is_null() {
                map.insert(k, v);
            }
        }
    }
    Value::Object(map)
}

/// Runs `command` as `actor` through the core's typed call for it where there is one (the
/// core then keeps no copy of the recorded events), else `execute`, dropping the events.
fn command_of(engine: &mut CoreEngine, actor: String, command: Command) -> salespipe::Result<()> {
    match command {
        Command::DefinePipeline { pipeline } => engine.define_pipeline(actor, pipeline),
        Command::RegisterUser { user } => engine.register_user(actor, user),
        Command::CreateCustomer { customer } => engine.create_customer(actor, customer),
        Command::UpdateCustomer { customer } => engine.update_customer(actor, customer),
        Command::CreateOpportunity { opportunity } => engine.create_opportunity(actor, opportunity),
        Command::UpdateOpportunity { opportunity, patch } => {
            engine.update_opportunity(actor, opportunity, patch)
        }
        Command::LogActivity { activity } => engine.log_activity(actor, activity),
        Command::CreateTask { task } => engine.create_task(actor, task),
        other => engine.execute(actor, other).map(drop),
    }
}

/// A decision (`approve` or `reject`), refused as `execute` refuses it (naming `command`).
fn decision_of(decision: String) -> salespipe::Result<Decision> {
    serde_json::from_value(Value::String(decision))
        .map_err(|e| Error::validation("command", e.to_string()))
}

/// Opens an engine on libuv's thread pool (replaying its store).
#[derive(Debug)]
#[cfg_attr(feature = "napi-noop-in-unit-test", allow(dead_code))]
pub struct OpenTask {
    setup: Option<Setup>,
}

// Under `napi-noop-in-unit-test` the class has no JavaScript side to resolve into.
#[cfg(not(feature = "napi-noop-in-unit-test"))]
impl Task for OpenTask {
    type Output = CoreEngine;
    type JsValue = Engine;

    fn compute(&mut self) -> Result<CoreEngine> {
        let setup = self.setup.take();
        guard_task(|| {
            setup
                .ok_or_else(|| Error::storage("the engine was already opened"))?
                .build()
        })
    }

    fn resolve(&mut self, _env: Env, output: CoreEngine) -> Result<Engine> {
        Ok(Engine {
            inner: Arc::new(RwLock::new(Some(output))),
            ids: Arc::default(),
        })
    }
}

/// A JSON answer handed to JavaScript (the task's resolved value).
#[derive(Debug)]
pub struct Json(pub(crate) Value);

impl TypeName for Json {
    fn type_name() -> &'static str {
        "any"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ToNapiValue for Json {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> Result<napi::sys::napi_value> {
        // SAFETY: the same environment and contract as the caller's.
        unsafe { Value::to_napi_value(env, val.0) }
    }
}

/// A JSON text handed to JavaScript through V8's own `JSON.parse`: building the same objects
/// through napi, one property at a time, cost several times the command itself (the typed
/// commands' recorded events).
#[derive(Debug)]
pub struct JsonText(pub(crate) String);

impl TypeName for JsonText {
    fn type_name() -> &'static str {
        "any"
    }

    fn value_type() -> ValueType {
        ValueType::Unknown
    }
}

impl ToNapiValue for JsonText {
    unsafe fn to_napi_value(env: napi::sys::napi_env, val: Self) -> Result<napi::sys::napi_value> {
        let env = Env::from_raw(env);
        let global = env.get_global()?;
        let json: napi::JSON<'_> = global.get_named_property_unchecked("JSON")?;
        let parse: Function<'_, String, Unknown<'_>> =
            json.get_named_property_unchecked("parse")?;
        let parsed = parse.call(val.0)?;
        // A value of this environment, returned to it.
        Ok(parsed.raw())
    }
}

/// Answers a query on libuv's thread pool, sharing the engine's lock.
#[derive(Debug)]
pub struct QueryTask {
    engine: Arc<Slot>,
    actor: Option<String>,
    /// The query, or the encoded error of its arguments (the Promise rejects with it).
    query: Option<std::result::Result<Value, String>>,
}

impl Task for QueryTask {
    type Output = Value;
    type JsValue = Json;

    fn compute(&mut self) -> Result<Value> {
        match self.query.take() {
            Some(Ok(query)) => guard_task(|| answer(&self.engine, self.actor.as_deref(), query)),
            Some(Err(reason)) => Err(napi::Error::new(napi::Status::GenericFailure, reason)),
            None => guard_task(|| Err(Error::storage("the query already ran"))),
        }
    }

    fn resolve(&mut self, _env: Env, output: Value) -> Result<Json> {
        Ok(Json(output))
    }
}

/// The engine's funnel on libuv's thread pool, resolving to report objects.
#[derive(Debug)]
pub struct FunnelQueryTask {
    engine: Arc<Slot>,
    actor: Option<String>,
    /// The query, or the encoded error of its arguments.
    query: Option<std::result::Result<Value, String>>,
}

impl Task for FunnelQueryTask {
    type Output = Vec<salespipe::CurrencySection<salespipe::analytics::FunnelReport>>;
    type JsValue = Vec<FunnelSection>;

    fn compute(&mut self) -> Result<Self::Output> {
        match self.query.take() {
            Some(Ok(query)) => {
                guard_task(|| funnel_sections(&self.engine, self.actor.as_deref(), query))
            }
            Some(Err(reason)) => Err(napi::Error::new(napi::Status::GenericFailure, reason)),
            None => guard_task(|| Err(Error::storage("the query already ran"))),
        }
    }

    fn resolve(&mut self, _env: Env, output: Self::Output) -> Result<Vec<FunnelSection>> {
        Ok(FunnelSection::of(output))
    }
}

/// Waits on libuv's thread pool for what other engines append, then folds it in.
#[derive(Debug)]
pub struct WaitTask {
    engine: Arc<Slot>,
    timeout_ms: f64,
}

impl Task for WaitTask {
    type Output = f64;
    type JsValue = f64;

    fn compute(&mut self) -> Result<f64> {
        guard_task(|| {
            let ms = self.timeout_ms;
            if !(ms.is_finite() && ms >= 0.0) {
                return Err(Error::validation(
                    "timeoutMs",
                    format!("{ms} is not a non-negative number of milliseconds"),
                ));
            }
            // The wait holds no lock: the engine stays usable meanwhile.
            let (store, before) = {
                let e = read(&self.engine)?;
                (Arc::clone(e.store()), e.view().state().position())
            };
            let timeout = std::time::Duration::from_micros((ms * 1000.0) as u64);
            if store.wait_for_events(before, timeout)? <= before {
                return Ok(0.0);
            }
            let mut e = write(&self.engine)?;
            let from = e.view().state().position();
            e.catch_up()?;
            Ok(e.view().state().position().saturating_sub(from) as f64)
        })
    }

    fn resolve(&mut self, _env: Env, output: f64) -> Result<f64> {
        Ok(output)
    }
}

/// The sales-pipeline engine: in memory unless `store` names a SQLite file.
#[napi]
#[derive(Debug)]
pub struct Engine {
    inner: Arc<Slot>,
    /// The actor and stage ids of recent typed commands (see [`Ids`]).
    ids: Arc<Mutex<Ids>>,
}

/// The few actor and stage ids the typed commands see again and again, kept to be shared.
///
/// A host holds its ids and passes the same ones call after call (one user, a pipeline's
/// five stages); each call from JavaScript brings them as new strings. Made into the core's
/// ids afresh, each would be an allocation per call, and each recorded event would hold its
/// own copy; taken from here they are a reference-count increment and the events share them,
/// as they do for a Rust host cloning its ids. At most [`Ids::KEEP`] of each kind are kept
/// (the oldest is replaced), so unbounded distinct ids cost a comparison each, not memory.
#[derive(Debug, Default)]
struct Ids {
    actors: Vec<salespipe::ActorId>,
    stages: Vec<StageId>,
}

impl Ids {
    /// How many ids of each kind are kept.
    const KEEP: usize = 8;

    /// The kept id equal to `text`, or a new one (then kept).
    fn shared<T>(kept: &mut Vec<T>, text: &str) -> T
    where
        T: Clone + std::borrow::Borrow<str> + for<'a> From<&'a str>,
    {
        if let Some(id) = kept.iter().find(|id| (*id).borrow() == text) {
            return id.clone();
        }
        let id = T::from(text);
        if kept.len() >= Self::KEEP {
            kept.remove(0);
        }
        kept.push(id.clone());
        id
    }

    fn actor(&mut self, text: &str) -> salespipe::ActorId {
        Self::shared(&mut self.actors, text)
    }

    fn stage(&mut self, text: &str) -> StageId {
        Self::shared(&mut self.stages, text)
    }
}

#[napi]
impl Engine {
    /// Builds an engine (synchronously replaying `store` if it exists; see `Engine.open`).
    #[napi(constructor)]
    pub fn new(options: Option<EngineOptions<'_>>) -> Result<Self, String> {
        let setup = Setup::of(options);
        guard(|| {
            Ok(Engine {
                inner: Arc::new(RwLock::new(Some(setup.build()?))),
                ids: Arc::default(),
            })
        })
    }

    /// Builds an engine off the event loop (replaying a SQLite store on libuv's thread pool).
    #[cfg(not(feature = "napi-noop-in-unit-test"))]
    #[napi(ts_return_type = "Promise<Engine>")]
    pub fn open(options: Option<EngineOptions<'_>>) -> AsyncTask<OpenTask> {
        AsyncTask::new(OpenTask {
            setup: Some(Setup::of(options)),
        })
    }

    /// Closes the engine now: its store (a SQLite file, a PostgreSQL connection) and its
    /// memory are released without waiting for the garbage collector. Every later call is
    /// a `ValidationError` on `engine` ("the engine is closed"); closing again does nothing.
    /// Work already running (a Promise report) finishes first.
    #[napi]
    pub fn close(&self) -> Result<(), String> {
        guard(|| {
            let engine = self.inner.write().map_err(poisoned)?.take();
            drop(engine);
            Ok(())
        })
    }

    /// Runs a command (the JSON form of `salespipe::Command`) as `actor`; returns the
    /// recorded events. A refused command writes nothing.
    #[napi(
        ts_args_type = "actor: string, command: Command",
        ts_return_type = "RecordedEvent[]"
    )]
    pub fn execute(&self, actor: String, command: Value) -> Result<JsonText, String> {
        guard(|| {
            let command: Command = from_json(command, "command")?;
            let events = write(&self.inner)?.execute(actor.as_str(), command)?;
            serde_json::to_string(&events)
                .map(JsonText)
                .map_err(Error::storage)
        })
    }

    /// Answers a query (the JSON form of `salespipe::Query`) as `actor`: the plain JSON.
    /// A user sees what the policy lets them see (a record out of sight is
    /// `PermissionDeniedError`, a list leaves it out, company-wide reports need an admin);
    /// `null` is the host, who reads everything.
    #[napi(
        ts_args_type = "actor: string | null, query: Query",
        ts_return_type = "any"
    )]
    pub fn query(&self, actor: Option<String>, query: Value) -> Result<Value, String> {
        guard(|| answer(&self.inner, actor.as_deref(), query))
    }

    /// `query` on libuv's thread pool: for the heavy reports (funnel, attainment, the daily
    /// team report), off the event loop.
    #[napi(
        ts_args_type = "actor: string | null, query: Query",
        ts_return_type = "Promise<any>"
    )]
    pub fn query_async(&self, actor: Option<String>, query: Value) -> AsyncTask<QueryTask> {
        self.answer_async(actor, Ok(query))
    }

    /// The engine clock's time.
    #[napi]
    pub fn now(&self) -> Result<DateTime<Utc>, String> {
        guard(|| Ok(date(read(&self.inner)?.now())))
    }

    /// Folds in what other engines appended to a shared store.
    #[napi]
    pub fn catch_up(&self) -> Result<(), String> {
        guard(|| write(&self.inner)?.catch_up())
    }

    /// `Engine::wait_for_events` off the event loop: waits up to `timeoutMs` for events other
    /// engines append to the shared store, folds them in and resolves to how many (0 when the
    /// time ran out). A PostgreSQL store is woken by `LISTEN`/`NOTIFY`; others are polled.
    #[napi(ts_return_type = "Promise<number>")]
    pub fn wait_for_events(&self, timeout_ms: f64) -> AsyncTask<WaitTask> {
        AsyncTask::new(WaitTask {
            engine: Arc::clone(&self.inner),
            timeout_ms,
        })
    }

    fn ask(&self, actor: Option<String>, kind: &str, fields: Value) -> Result<Value, String> {
        self.query(actor, tagged(kind, fields))
    }

    /// Runs a command decoded from the core's JSON (`{"type": kind, ...fields}`, checked as
    /// `execute` checks it: the same errors, named `command`), keeping no events: the typed
    /// commands whose arguments are records or option bags.
    fn run(&self, actor: String, kind: &str, fields: Value) -> Result<(), String> {
        guard(|| {
            let command: Command = from_json(tagged(kind, fields), "command")?;
            command_of(&mut *write(&self.inner)?, actor, command)
        })
    }

    /// The hot typed commands on this engine.
    fn hot(&self) -> Hot<'_> {
        Hot {
            inner: &self.inner,
            ids: &self.ids,
        }
    }

    /// The engine as an `External` for the module functions of the hot typed commands
    /// (`_advance`, `_tick`, ...; see [`Handle`]). `index.js` asks once per engine.
    #[napi(js_name = "_handle", skip_typescript)]
    pub fn handle(&self) -> External<Handle> {
        External::new(Handle {
            inner: Arc::clone(&self.inner),
            ids: Arc::clone(&self.ids),
        })
    }

    /// Runs a command built here, keeping no events.
    fn run_command(&self, actor: String, command: Command) -> Result<(), String> {
        guard(|| command_of(&mut *write(&self.inner)?, actor, command))
    }

    // ----- typed commands: the core's typed calls, returning nothing --------------------
    //
    // Each builds the core's command (or calls the core's typed method) straight from its
    // arguments and returns nothing, like the core's typed methods: no JSON in, no events
    // out (`execute` returns them). The ones taking records (a pipeline, an opportunity,
    // an activity, ...) decode them through the core's serde, as `execute` does.

    /// Defines a pipeline (`define_pipeline`).
    #[napi(ts_args_type = "actor: string, pipeline: PipelineDefinition")]
    pub fn define_pipeline(&self, actor: String, pipeline: Value) -> Result<(), String> {
        self.run(actor, "define_pipeline", json!({ "pipeline": pipeline }))
    }

    /// Defines an approval process (`define_process`).
    #[napi(ts_args_type = "actor: string, process: ApprovalProcessDefinition")]
    pub fn define_process(&self, actor: String, process: Value) -> Result<(), String> {
        self.run(actor, "define_process", json!({ "process": process }))
    }

    /// Registers a user (`register_user`).
    #[napi(ts_args_type = "actor: string, user: UserInput")]
    pub fn register_user(&self, actor: String, user: Value) -> Result<(), String> {
        self.run(actor, "register_user", json!({ "user": user }))
    }

    /// Creates a customer (`create_customer`).
    #[napi(ts_args_type = "actor: string, customer: CustomerInput")]
    pub fn create_customer(&self, actor: String, customer: Value) -> Result<(), String> {
        self.run(actor, "create_customer", json!({ "customer": customer }))
    }

    /// Creates an opportunity (`create_opportunity`); `amount` is money.
    #[napi(ts_args_type = "actor: string, opportunity: NewOpportunity")]
    pub fn create_opportunity(&self, actor: String, opportunity: Value) -> Result<(), String> {
        self.run(
            actor,
            "create_opportunity",
            json!({ "opportunity": opportunity }),
        )
    }

    /// Changes an opportunity's fields (`update_opportunity`).
    #[napi(ts_args_type = "actor: string, opportunity: string, patch: OpportunityPatch")]
    pub fn update_opportunity(
        &self,
        actor: String,
        opportunity: String,
        patch: Value,
    ) -> Result<(), String> {
        self.run(
            actor,
            "update_opportunity",
            json!({ "opportunity": opportunity, "patch": patch }),
        )
    }

    /// Ticks a checklist item.
    #[napi(ts_args_type = "actor: string, opportunity: string, item: string")]
    pub fn tick(&self, actor: Text, opportunity: Text, item: Text) -> Result<(), String> {
        self.hot()
            .tick(actor.as_str(), opportunity.as_str(), item.as_str())
    }

    /// Unticks a checklist item.
    #[napi(ts_args_type = "actor: string, opportunity: string, item: string")]
    pub fn untick(&self, actor: Text, opportunity: Text, item: Text) -> Result<(), String> {
        self.hot()
            .untick(actor.as_str(), opportunity.as_str(), item.as_str())
    }

    /// Advances through the gates to a later stage or `won`.
    #[napi(ts_args_type = "actor: string, opportunity: string, to: string")]
    pub fn advance(&self, actor: Text, opportunity: Text, to: Text) -> Result<(), String> {
        self.hot()
            .advance(actor.as_str(), opportunity.as_str(), to.as_str())
    }

    /// Forces a move past unmet gates (a manager above the owner, with a reason).
    #[napi(ts_args_type = "actor: string, opportunity: string, to: string, reason: string")]
    pub fn force_advance(
        &self,
        actor: Text,
        opportunity: Text,
        to: Text,
        reason: String,
    ) -> Result<(), String> {
        self.hot()
            .force_advance(actor.as_str(), opportunity.as_str(), to.as_str(), reason)
    }

    /// Moves back to an earlier stage.
    #[napi(
        ts_args_type = "actor: string, opportunity: string, to: string, reason?: string | undefined | null"
    )]
    pub fn move_back(
        &self,
        actor: Text,
        opportunity: Text,
        to: Text,
        reason: Option<String>,
    ) -> Result<(), String> {
        self.hot()
            .move_back(actor.as_str(), opportunity.as_str(), to.as_str(), reason)
    }

    /// Wins: an advance to `won` through every remaining gate.
    #[napi(ts_args_type = "actor: string, opportunity: string")]
    pub fn win(&self, actor: Text, opportunity: Text) -> Result<(), String> {
        self.hot().win(actor.as_str(), opportunity.as_str())
    }

    /// Loses, for a reason, maybe to a competitor.
    #[napi(
        ts_args_type = "actor: string, opportunity: string, reason: string, competitor?: string | undefined | null"
    )]
    pub fn lose(
        &self,
        actor: Text,
        opportunity: Text,
        reason: String,
        competitor: Option<String>,
    ) -> Result<(), String> {
        self.hot()
            .lose(actor.as_str(), opportunity.as_str(), reason, competitor)
    }

    /// Reopens a won or lost opportunity (into `stage`, default its last stage).
    #[napi]
    pub fn reopen(
        &self,
        actor: String,
        opportunity: String,
        reason: String,
        stage: Option<String>,
    ) -> Result<(), String> {
        guard(|| write(&self.inner)?.reopen(actor, opportunity, stage.map(StageId::from), reason))
    }

    /// Submits an approval request of `process`.
    #[napi]
    pub fn submit_approval(
        &self,
        actor: String,
        opportunity: String,
        process: String,
        request: String,
    ) -> Result<(), String> {
        guard(|| write(&self.inner)?.submit_approval(actor, opportunity, process, request))
    }

    /// Decides the current step of an approval request.
    #[napi(
        ts_args_type = "actor: string, opportunity: string, request: string, decision: Decision, comment?: string"
    )]
    pub fn decide_approval(
        &self,
        actor: String,
        opportunity: String,
        request: String,
        decision: String,
        comment: Option<String>,
    ) -> Result<(), String> {
        guard(|| {
            let decision = decision_of(decision)?;
            write(&self.inner)?.decide_approval(
                actor,
                opportunity,
                request,
                decision,
                comment.unwrap_or_default(),
            )
        })
    }

    /// Logs an activity (a call, a visit, a meeting, ...).
    #[napi(ts_args_type = "actor: string, activity: ActivityInput")]
    pub fn log_activity(&self, actor: String, activity: Value) -> Result<(), String> {
        self.run(actor, "log_activity", json!({ "activity": activity }))
    }

    /// Creates a task.
    #[napi(ts_args_type = "actor: string, task: TaskInput")]
    pub fn create_task(&self, actor: String, task: Value) -> Result<(), String> {
        self.run(actor, "create_task", json!({ "task": task }))
    }

    /// Completes a task.
    #[napi(ts_args_type = "actor: string, task: string")]
    pub fn complete_task(&self, actor: Text, task: Text) -> Result<(), String> {
        self.hot().complete_task(actor.as_str(), task.as_str())
    }

    /// Reopens a completed task.
    #[napi]
    pub fn reopen_task(&self, actor: String, task: String) -> Result<(), String> {
        guard(|| write(&self.inner)?.reopen_task(actor, task))
    }

    /// Edits a pipeline (a new version); `mapping` moves the deals of a removed stage.
    #[napi(
        ts_args_type = "actor: string, pipeline: PipelineDefinition, mapping?: { [removedStage: string]: string } | undefined | null"
    )]
    pub fn edit_pipeline(
        &self,
        actor: String,
        pipeline: Value,
        mapping: Option<Value>,
    ) -> Result<(), String> {
        self.run(
            actor,
            "edit_pipeline",
            json!({ "pipeline": pipeline, "mapping": mapping }),
        )
    }

    /// Replaces a customer's fields (`update_customer`).
    #[napi(ts_args_type = "actor: string, customer: CustomerInput")]
    pub fn update_customer(&self, actor: String, customer: Value) -> Result<(), String> {
        self.run(actor, "update_customer", json!({ "customer": customer }))
    }

    /// Adds a contact to a customer.
    #[napi(ts_args_type = "actor: string, customer: string, contact: Contact")]
    pub fn add_contact(
        &self,
        actor: String,
        customer: String,
        contact: Value,
    ) -> Result<(), String> {
        self.run(
            actor,
            "add_contact",
            json!({ "customer": customer, "contact": contact }),
        )
    }

    /// Withdraws an approval request.
    #[napi]
    pub fn withdraw_approval(
        &self,
        actor: String,
        opportunity: String,
        request: String,
    ) -> Result<(), String> {
        self.run_command(
            actor,
            Command::WithdrawApproval {
                opportunity: opportunity.into(),
                request: request.into(),
            },
        )
    }

    /// Resubmits a rejected, withdrawn or lapsed approval request (a new round).
    #[napi]
    pub fn resubmit_approval(
        &self,
        actor: String,
        opportunity: String,
        request: String,
    ) -> Result<(), String> {
        self.run_command(
            actor,
            Command::ResubmitApproval {
                opportunity: opportunity.into(),
                request: request.into(),
            },
        )
    }

    /// Sets the reminder rules (the core's `ReminderRules` JSON).
    #[napi(ts_args_type = "actor: string, rules: object")]
    pub fn set_reminder_rules(&self, actor: String, rules: Value) -> Result<(), String> {
        self.run(actor, "set_reminder_rules", json!({ "rules": rules }))
    }

    /// Acknowledges a reminder (it does not come back for the same cause).
    #[napi]
    pub fn acknowledge_reminder(&self, actor: String, reminder: String) -> Result<(), String> {
        self.run_command(
            actor,
            Command::AcknowledgeReminder {
                reminder: ReminderId::new(reminder),
            },
        )
    }

    /// Snoozes a reminder until an instant.
    #[napi]
    pub fn snooze_reminder(
        &self,
        actor: String,
        reminder: String,
        until: DateTime<Utc>,
    ) -> Result<(), String> {
        guard(|| {
            let until = timestamp(&until, "until")?;
            let command = Command::SnoozeReminder {
                reminder: ReminderId::new(reminder),
                until,
            };
            command_of(&mut *write(&self.inner)?, actor, command)
        })
    }

    /// Dismisses a reminder.
    #[napi]
    pub fn dismiss_reminder(&self, actor: String, reminder: String) -> Result<(), String> {
        self.run_command(
            actor,
            Command::DismissReminder {
                reminder: ReminderId::new(reminder),
            },
        )
    }

    /// Sets a revenue target (`{id, scope, period, revenue, deals?}`).
    #[napi(ts_args_type = "actor: string, target: TargetInput")]
    pub fn set_target(&self, actor: String, target: Value) -> Result<(), String> {
        self.run(actor, "set_target", json!({ "target": target }))
    }

    /// Removes a revenue target.
    #[napi]
    pub fn remove_target(&self, actor: String, target: String) -> Result<(), String> {
        self.run_command(
            actor,
            Command::RemoveTarget {
                target: target.into(),
            },
        )
    }

    /// Configures the expenses (the core's `ExpenseSettings` JSON).
    #[napi(ts_args_type = "actor: string, settings: object")]
    pub fn configure_expenses(&self, actor: String, settings: Value) -> Result<(), String> {
        self.run(actor, "configure_expenses", json!({ "settings": settings }))
    }

    /// Submits an expense for approval (the core's `Expense` JSON).
    #[napi(ts_args_type = "actor: string, expense: object")]
    pub fn submit_expense(&self, actor: String, expense: Value) -> Result<(), String> {
        self.run(actor, "submit_expense", json!({ "expense": expense }))
    }

    /// Decides the current step of an expense's approval.
    #[napi(ts_args_type = "actor: string, expense: string, decision: Decision, comment?: string")]
    pub fn decide_expense(
        &self,
        actor: String,
        expense: String,
        decision: String,
        comment: Option<String>,
    ) -> Result<(), String> {
        guard(|| {
            let command = Command::DecideExpense {
                expense: expense.into(),
                decision: decision_of(decision)?,
                comment: comment.unwrap_or_default(),
            };
            command_of(&mut *write(&self.inner)?, actor, command)
        })
    }

    /// Withdraws an expense.
    #[napi]
    pub fn withdraw_expense(&self, actor: String, expense: String) -> Result<(), String> {
        self.run_command(
            actor,
            Command::WithdrawExpense {
                expense: expense.into(),
            },
        )
    }

    /// Resubmits an expense, maybe with a new amount and a note.
    #[napi(
        ts_args_type = "actor: string, expense: string, amount?: MoneyInput | undefined | null, note?: string | undefined | null"
    )]
    pub fn resubmit_expense(
        &self,
        actor: String,
        expense: String,
        amount: Option<Value>,
        note: Option<String>,
    ) -> Result<(), String> {
        self.run(
            actor,
            "resubmit_expense",
            json!({ "expense": expense, "amount": amount, "note": note }),
        )
    }

    /// Configures the lead sources (the core's `Source` JSON, a list).
    #[napi(ts_args_type = "actor: string, sources: object[]")]
    pub fn configure_sources(&self, actor: String, sources: Value) -> Result<(), String> {
        self.run(actor, "configure_sources", json!({ "sources": sources }))
    }

    /// Takes a forecast snapshot of every rep for a period (in one currency, when given).
    #[napi]
    pub fn take_forecast_snapshot(
        &self,
        actor: String,
        id: String,
        period: String,
        currency: Option<String>,
    ) -> Result<(), String> {
        self.run(
            actor,
            "take_forecast_snapshot",
            json!({ "id": id, "period": period, "currency": currency }),
        )
    }

    // ----- typed reads: one-liners over query ------------------------------------------

    /// An opportunity (as of `asOf` when given).
    #[napi(ts_return_type = "Opportunity")]
    pub fn opportunity(
        &self,
        actor: Option<String>,
        id: String,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        let as_of = guard(|| as_of.map(|t| timestamp(&t, "asOf")).transpose())?;
        self.ask(actor, "opportunity", json!({ "id": id, "as_of": as_of }))
    }

    /// An opportunity's timeline, oldest first.
    #[napi(ts_return_type = "TimelineEntry[]")]
    pub fn timeline(
        &self,
        actor: Option<String>,
        id: String,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        let as_of = guard(|| as_of.map(|t| timestamp(&t, "asOf")).transpose())?;
        self.ask(actor, "timeline", json!({ "id": id, "as_of": as_of }))
    }

    /// The gate report: what is met and missing to move `id` to `target`.
    #[napi(ts_return_type = "GateReport")]
    pub fn check(
        &self,
        actor: Option<String>,
        id: String,
        target: String,
    ) -> Result<Value, String> {
        self.ask(actor, "gate", json!({ "id": id, "target": target }))
    }

    /// The reminders due at `at` (of one recipient, at most `limit`, when given).
    #[napi(ts_return_type = "Reminder[]")]
    pub fn due(
        &self,
        actor: Option<String>,
        at: DateTime<Utc>,
        recipient: Option<String>,
        limit: Option<u32>,
    ) -> Result<Value, String> {
        let at = guard(|| timestamp(&at, "at"))?;
        self.ask(
            actor,
            "due",
            json!({ "at": at, "recipient": recipient, "limit": limit }),
        )
    }

    /// The next instant after `at` at which a reminder comes due, or null.
    #[napi]
    pub fn next_due_after(
        &self,
        actor: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, String> {
        let at = guard(|| timestamp(&at, "at"))?;
        let next = self.ask(actor, "next_due_after", json!({ "at": at }))?;
        guard(|| {
            let next: Option<Timestamp> = from_json(next, "next_due_after")?;
            Ok(next.map(date))
        })
    }

    /// An optional instant argument as a query field, checked (`field` names it).
    fn as_of(as_of: Option<DateTime<Utc>>, field: &str) -> Result<Option<Timestamp>, String> {
        guard(|| as_of.map(|t| timestamp(&t, field)).transpose())
    }

    /// Every opportunity the actor sees (as of `asOf` when given).
    #[napi(
        ts_args_type = "actor: string | null, asOf?: Date | undefined | null",
        ts_return_type = "Opportunity[]"
    )]
    pub fn opportunities(
        &self,
        actor: Option<String>,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        let as_of = Self::as_of(as_of, "asOf")?;
        self.ask(actor, "opportunities", json!({ "as_of": as_of }))
    }

    /// A customer (as of `asOf` when given).
    #[napi(ts_return_type = "Customer")]
    pub fn customer(
        &self,
        actor: Option<String>,
        id: String,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        let as_of = Self::as_of(as_of, "asOf")?;
        self.ask(actor, "customer", json!({ "id": id, "as_of": as_of }))
    }

    /// Every customer the actor sees.
    #[napi(
        ts_args_type = "actor: string | null, asOf?: Date | undefined | null",
        ts_return_type = "Customer[]"
    )]
    pub fn customers(
        &self,
        actor: Option<String>,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        let as_of = Self::as_of(as_of, "asOf")?;
        self.ask(actor, "customers", json!({ "as_of": as_of }))
    }

    /// A user.
    #[napi(ts_return_type = "User")]
    pub fn user(&self, actor: Option<String>, id: String) -> Result<Value, String> {
        self.ask(actor, "user", json!({ "id": id }))
    }

    /// Every user.
    #[napi(ts_args_type = "actor: string | null", ts_return_type = "User[]")]
    pub fn users(&self, actor: Option<String>) -> Result<Value, String> {
        self.ask(actor, "users", json!({}))
    }

    /// An activity.
    #[napi(ts_return_type = "Activity")]
    pub fn activity(&self, actor: Option<String>, id: String) -> Result<Value, String> {
        self.ask(actor, "activity", json!({ "id": id }))
    }

    /// The activities of a customer or of an opportunity, oldest first.
    #[napi(
        ts_args_type = "actor: string | null, customer?: string | undefined | null, opportunity?: string | undefined | null",
        ts_return_type = "Activity[]"
    )]
    pub fn activities(
        &self,
        actor: Option<String>,
        customer: Option<String>,
        opportunity: Option<String>,
    ) -> Result<Value, String> {
        self.ask(
            actor,
            "activities",
            json!({ "customer": customer, "opportunity": opportunity }),
        )
    }

    /// A task.
    #[napi(ts_return_type = "Task")]
    pub fn task(&self, actor: Option<String>, id: String) -> Result<Value, String> {
        self.ask(actor, "task", json!({ "id": id }))
    }

    /// The open tasks (of `owner` when given).
    #[napi(
        ts_args_type = "actor: string | null, owner?: string | undefined | null",
        ts_return_type = "Task[]"
    )]
    pub fn open_tasks(
        &self,
        actor: Option<String>,
        owner: Option<String>,
    ) -> Result<Value, String> {
        self.ask(actor, "open_tasks", json!({ "owner": owner }))
    }

    // ----- management reports: typed reads over query, and on libuv's thread pool -------

    /// `query` of a prepared query (or its argument error) on libuv's thread pool.
    fn answer_async(
        &self,
        actor: Option<String>,
        query: Result<Value, String>,
    ) -> AsyncTask<QueryTask> {
        AsyncTask::new(QueryTask {
            engine: Arc::clone(&self.inner),
            actor,
            query: Some(query.map_err(|e| e.reason)),
        })
    }

    /// A rep's daily report (销售日报) for the local day `day` (`YYYY-MM-DD`, in the rep's
    /// time zone), as of `asOf` (default now).
    #[napi(
        ts_args_type = "actor: string | null, rep: string, day: DateString, asOf?: Date | undefined | null",
        ts_return_type = "DailyReport"
    )]
    pub fn daily_report(
        &self,
        actor: Option<String>,
        rep: String,
        day: String,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        let as_of = Self::as_of(as_of, "asOf")?;
        self.ask(
            actor,
            "daily_report",
            json!({ "rep": rep, "day": day, "as_of": as_of }),
        )
    }

    fn daily_range_query(
        rep: String,
        first: String,
        last: String,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        let as_of = Self::as_of(as_of, "asOf")?;
        Ok(tagged(
            "daily_range_report",
            json!({ "rep": rep, "first": first, "last": last, "as_of": as_of }),
        ))
    }

    /// A rep's daily reports for the local days `first..=last`, and their total.
    #[napi(
        ts_args_type = "actor: string | null, rep: string, first: DateString, last: DateString, asOf?: Date | undefined | null",
        ts_return_type = "RangeReport"
    )]
    pub fn daily_range_report(
        &self,
        actor: Option<String>,
        rep: String,
        first: String,
        last: String,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        self.query(actor, Self::daily_range_query(rep, first, last, as_of)?)
    }

    /// `dailyRangeReport` on libuv's thread pool.
    #[napi(
        ts_args_type = "actor: string | null, rep: string, first: DateString, last: DateString, asOf?: Date | undefined | null",
        ts_return_type = "Promise<RangeReport>"
    )]
    pub fn daily_range_report_async(
        &self,
        actor: Option<String>,
        rep: String,
        first: String,
        last: String,
        as_of: Option<DateTime<Utc>>,
    ) -> AsyncTask<QueryTask> {
        self.answer_async(actor, Self::daily_range_query(rep, first, last, as_of))
    }

    fn daily_team_query(
        manager: String,
        day: String,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        let as_of = Self::as_of(as_of, "asOf")?;
        Ok(tagged(
            "daily_team_report",
            json!({ "manager": manager, "day": day, "as_of": as_of }),
        ))
    }

    /// The daily report of `manager`'s team for the local day `day`.
    #[napi(
        ts_args_type = "actor: string | null, manager: string, day: DateString, asOf?: Date | undefined | null",
        ts_return_type = "TeamDailyReport"
    )]
    pub fn daily_team_report(
        &self,
        actor: Option<String>,
        manager: String,
        day: String,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        self.query(actor, Self::daily_team_query(manager, day, as_of)?)
    }

    /// `dailyTeamReport` on libuv's thread pool.
    #[napi(
        ts_args_type = "actor: string | null, manager: string, day: DateString, asOf?: Date | undefined | null",
        ts_return_type = "Promise<TeamDailyReport>"
    )]
    pub fn daily_team_report_async(
        &self,
        actor: Option<String>,
        manager: String,
        day: String,
        as_of: Option<DateTime<Utc>>,
    ) -> AsyncTask<QueryTask> {
        self.answer_async(actor, Self::daily_team_query(manager, day, as_of))
    }

    /// Every revenue target.
    #[napi(ts_args_type = "actor: string | null", ts_return_type = "Target[]")]
    pub fn targets(&self, actor: Option<String>) -> Result<Value, String> {
        self.ask(actor, "targets", json!({}))
    }

    /// `{type: kind, ...query}` of an options object (`None`: no options); anything but an
    /// object is a validation error naming `field`.
    fn object_query(kind: &str, query: Option<Value>, field: &str) -> Result<Value, String> {
        match query {
            None | Some(Value::Null) => Ok(tagged(kind, json!({}))),
            Some(q @ Value::Object(_)) => {
                // the method names the query: a `type` among the options does not change it
                let mut q = tagged(kind, q);
                if let Value::Object(map) = &mut q {
                    map.insert("type".to_owned(), Value::String(kind.to_owned()));
                }
                Ok(q)
            }
            Some(other) => guard(|| {
                Err(Error::validation(
                    field,
                    format!("expected an object, got {other}"),
                ))
            }),
        }
    }

    /// Attainment of every rep, team and the company for a period (an admin's report).
    #[napi(
        ts_args_type = "actor: string | null, query: AttainmentQuery",
        ts_return_type = "AttainmentReport"
    )]
    pub fn attainment(&self, actor: Option<String>, query: Value) -> Result<Value, String> {
        self.query(
            actor,
            Self::object_query("attainment", Some(query), "query")?,
        )
    }

    /// `attainment` on libuv's thread pool.
    #[napi(
        ts_args_type = "actor: string | null, query: AttainmentQuery",
        ts_return_type = "Promise<AttainmentReport>"
    )]
    pub fn attainment_async(&self, actor: Option<String>, query: Value) -> AsyncTask<QueryTask> {
        self.answer_async(
            actor,
            Self::object_query("attainment", Some(query), "query"),
        )
    }

    /// Expenses by customer, category and rep (an admin's report).
    #[napi(
        ts_args_type = "actor: string | null, query?: ExpenseQuery | undefined | null",
        ts_return_type = "ExpenseReport"
    )]
    pub fn expense_report(
        &self,
        actor: Option<String>,
        query: Option<Value>,
    ) -> Result<Value, String> {
        self.query(actor, Self::object_query("expense_report", query, "query")?)
    }

    /// `expenseReport` on libuv's thread pool.
    #[napi(
        ts_args_type = "actor: string | null, query?: ExpenseQuery | undefined | null",
        ts_return_type = "Promise<ExpenseReport>"
    )]
    pub fn expense_report_async(
        &self,
        actor: Option<String>,
        query: Option<Value>,
    ) -> AsyncTask<QueryTask> {
        self.answer_async(actor, Self::object_query("expense_report", query, "query"))
    }

    fn source_query(
        pipeline: String,
        window_from: Option<DateTime<Utc>>,
        window_to: Option<DateTime<Utc>>,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        let window_from = Self::as_of(window_from, "windowFrom")?;
        let window_to = Self::as_of(window_to, "windowTo")?;
        let as_of = Self::as_of(as_of, "asOf")?;
        Ok(tagged(
            "source_report",
            json!({ "pipeline": pipeline, "window_from": window_from, "window_to": window_to,
                    "as_of": as_of }),
        ))
    }

    /// The source report (来源统计) of a pipeline, over the cohort window
    /// `[windowFrom, windowTo)` (an admin's report).
    #[napi(
        ts_args_type = "actor: string | null, pipeline: string, windowFrom?: Date | undefined | null, windowTo?: Date | undefined | null, asOf?: Date | undefined | null",
        ts_return_type = "SourceReport"
    )]
    pub fn source_report(
        &self,
        actor: Option<String>,
        pipeline: String,
        window_from: Option<DateTime<Utc>>,
        window_to: Option<DateTime<Utc>>,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        self.query(
            actor,
            Self::source_query(pipeline, window_from, window_to, as_of)?,
        )
    }

    /// `sourceReport` on libuv's thread pool.
    #[napi(
        ts_args_type = "actor: string | null, pipeline: string, windowFrom?: Date | undefined | null, windowTo?: Date | undefined | null, asOf?: Date | undefined | null",
        ts_return_type = "Promise<SourceReport>"
    )]
    pub fn source_report_async(
        &self,
        actor: Option<String>,
        pipeline: String,
        window_from: Option<DateTime<Utc>>,
        window_to: Option<DateTime<Utc>>,
        as_of: Option<DateTime<Utc>>,
    ) -> AsyncTask<QueryTask> {
        self.answer_async(
            actor,
            Self::source_query(pipeline, window_from, window_to, as_of),
        )
    }

    fn competitor_query(
        closed_from: Option<DateTime<Utc>>,
        closed_to: Option<DateTime<Utc>>,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        let closed_from = Self::as_of(closed_from, "closedFrom")?;
        let closed_to = Self::as_of(closed_to, "closedTo")?;
        let as_of = Self::as_of(as_of, "asOf")?;
        Ok(tagged(
            "competitor_report",
            json!({ "closed_from": closed_from, "closed_to": closed_to, "as_of": as_of }),
        ))
    }

    /// The competitor report over the deals closed in `[closedFrom, closedTo)` and the
    /// open ones (an admin's report).
    #[napi(
        ts_args_type = "actor: string | null, closedFrom?: Date | undefined | null, closedTo?: Date | undefined | null, asOf?: Date | undefined | null",
        ts_return_type = "CompetitorReport"
    )]
    pub fn competitor_report(
        &self,
        actor: Option<String>,
        closed_from: Option<DateTime<Utc>>,
        closed_to: Option<DateTime<Utc>>,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        self.query(
            actor,
            Self::competitor_query(closed_from, closed_to, as_of)?,
        )
    }

    /// `competitorReport` on libuv's thread pool.
    #[napi(
        ts_args_type = "actor: string | null, closedFrom?: Date | undefined | null, closedTo?: Date | undefined | null, asOf?: Date | undefined | null",
        ts_return_type = "Promise<CompetitorReport>"
    )]
    pub fn competitor_report_async(
        &self,
        actor: Option<String>,
        closed_from: Option<DateTime<Utc>>,
        closed_to: Option<DateTime<Utc>>,
        as_of: Option<DateTime<Utc>>,
    ) -> AsyncTask<QueryTask> {
        self.answer_async(actor, Self::competitor_query(closed_from, closed_to, as_of))
    }

    /// Every forecast snapshot.
    #[napi(
        ts_args_type = "actor: string | null",
        ts_return_type = "ForecastSnapshot[]"
    )]
    pub fn forecast_snapshots(&self, actor: Option<String>) -> Result<Value, String> {
        self.ask(actor, "forecast_snapshots", json!({}))
    }

    fn accuracy_query(as_of: Option<DateTime<Utc>>) -> Result<Value, String> {
        let as_of = Self::as_of(as_of, "asOf")?;
        Ok(tagged("forecast_accuracy", json!({ "as_of": as_of })))
    }

    /// Forecast accuracy: the snapshots against what was won (an admin's report).
    #[napi(
        ts_args_type = "actor: string | null, asOf?: Date | undefined | null",
        ts_return_type = "ForecastAccuracy"
    )]
    pub fn forecast_accuracy(
        &self,
        actor: Option<String>,
        as_of: Option<DateTime<Utc>>,
    ) -> Result<Value, String> {
        self.query(actor, Self::accuracy_query(as_of)?)
    }

    /// `forecastAccuracy` on libuv's thread pool.
    #[napi(
        ts_args_type = "actor: string | null, asOf?: Date | undefined | null",
        ts_return_type = "Promise<ForecastAccuracy>"
    )]
    pub fn forecast_accuracy_async(
        &self,
        actor: Option<String>,
        as_of: Option<DateTime<Utc>>,
    ) -> AsyncTask<QueryTask> {
        self.answer_async(actor, Self::accuracy_query(as_of))
    }

    // ----- the funnel, forecast and calibration of the engine's own history --------------

    /// `{type: kind, pipeline, ...options}` (options: the core's JSON of the query).
    fn pipeline_query(
        kind: &str,
        pipeline: String,
        options: Option<Value>,
    ) -> Result<Value, String> {
        let mut q = Self::object_query(kind, options, "options")?;
        if let Value::Object(map) = &mut q {
            map.insert("pipeline".to_owned(), Value::String(pipeline));
        }
        Ok(q)
    }

    /// The funnel of `pipeline` over the engine's history, one section per currency, each
    /// with a `FunnelReport` (`toJSON()`, `toArrow()`, text, SVG). `options`: `window`
    /// (`{from, to}`), `mode`, `by` (`owner` or `source`), `as_of`. A user gets the deals in
    /// sight; `null` reads as the host.
    #[napi(
        ts_args_type = "actor: string | null, pipeline: string, options?: EngineFunnelOptions | undefined | null",
        ts_return_type = "FunnelSection[]"
    )]
    pub fn funnel(
        &self,
        actor: Option<String>,
        pipeline: String,
        options: Option<Value>,
    ) -> Result<Vec<FunnelSection>, String> {
        let query = Self::pipeline_query("funnel", pipeline, options)?;
        let sections = guard(|| funnel_sections(&self.inner, actor.as_deref(), query))?;
        Ok(FunnelSection::of(sections))
    }

    /// `funnel` on libuv's thread pool.
    #[napi(
        ts_args_type = "actor: string | null, pipeline: string, options?: EngineFunnelOptions | undefined | null",
        ts_return_type = "Promise<FunnelSection[]>"
    )]
    pub fn funnel_async(
        &self,
        actor: Option<String>,
        pipeline: String,
        options: Option<Value>,
    ) -> AsyncTask<FunnelQueryTask> {
        AsyncTask::new(FunnelQueryTask {
            engine: Arc::clone(&self.inner),
            actor,
            query: Some(Self::pipeline_query("funnel", pipeline, options).map_err(|e| e.reason)),
        })
    }

    /// The forecast of `pipeline`'s open deals, one section per currency. `options`:
    /// `period` (`{from, to}`), `probabilities`, `method`, `as_of` (the core's JSON).
    #[napi(
        ts_args_type = "actor: string | null, pipeline: string, options?: EngineForecastOptions | undefined | null",
        ts_return_type = "CurrencySection<ForecastJson>[]"
    )]
    pub fn forecast(
        &self,
        actor: Option<String>,
        pipeline: String,
        options: Option<Value>,
    ) -> Result<Value, String> {
        self.query(actor, Self::pipeline_query("forecast", pipeline, options)?)
    }

    /// `forecast` on libuv's thread pool.
    #[napi(
        ts_args_type = "actor: string | null, pipeline: string, options?: EngineForecastOptions | undefined | null",
        ts_return_type = "Promise<CurrencySection<ForecastJson>[]>"
    )]
    pub fn forecast_async(
        &self,
        actor: Option<String>,
        pipeline: String,
        options: Option<Value>,
    ) -> AsyncTask<QueryTask> {
        self.answer_async(actor, Self::pipeline_query("forecast", pipeline, options))
    }

    /// The calibration of `pipeline`'s stage probabilities, one section per currency.
    /// `options`: `window` (`{from, to}`), `as_of`.
    #[napi(
        ts_args_type = "actor: string | null, pipeline: string, options?: EngineCalibrationOptions | undefined | null",
        ts_return_type = "CurrencySection<CalibrationJson>[]"
    )]
    pub fn calibration(
        &self,
        actor: Option<String>,
        pipeline: String,
        options: Option<Value>,
    ) -> Result<Value, String> {
        self.query(
            actor,
            Self::pipeline_query("calibration", pipeline, options)?,
        )
    }

    /// `calibration` on libuv's thread pool.
    #[napi(
        ts_args_type = "actor: string | null, pipeline: string, options?: EngineCalibrationOptions | undefined | null",
        ts_return_type = "Promise<CurrencySection<CalibrationJson>[]>"
    )]
    pub fn calibration_async(
        &self,
        actor: Option<String>,
        pipeline: String,
        options: Option<Value>,
    ) -> AsyncTask<QueryTask> {
        self.answer_async(
            actor,
            Self::pipeline_query("calibration", pipeline, options),
        )
    }
}

/// The engine as the hot typed commands' module functions reach it: an `External` made once
/// per engine (`Engine._handle()`), holding the same engine and shared ids.
///
/// Why not the class methods: napi-rs's per-call machinery for a `&self` method (unwrapping
/// `this` through V8, registering and releasing a native borrow scope for it) measured about
/// 2,700 instructions per call under callgrind, about as much as a gate-checked advance in
/// the core (2,850). A module function given the `External` reads its pointer with one cheap
/// call. `index.js` routes `advance`, `tick`, `untick`, `forceAdvance`, `moveBack`, `win`,
/// `lose` and `completeTask` through these; the class methods stay (the same code, for
/// `index.d.ts` and any caller of the native class).
#[derive(Debug)]
pub struct Handle {
    inner: Arc<Slot>,
    ids: Arc<Mutex<Ids>>,
}

impl Handle {
    fn hot(&self) -> Hot<'_> {
        Hot {
            inner: &self.inner,
            ids: &self.ids,
        }
    }
}

/// The hot typed commands (strings in, nothing out), shared by the class methods and the
/// module functions over a [`Handle`].
struct Hot<'a> {
    inner: &'a Slot,
    ids: &'a Mutex<Ids>,
}

impl Hot<'_> {
    /// The shared ids (held only while an id is looked up, never with the engine's lock).
    fn ids(&self) -> salespipe::Result<MutexGuard<'_, Ids>> {
        self.ids.lock().map_err(poisoned)
    }

    fn tick(&self, actor: &str, opportunity: &str, item: &str) -> Result<(), String> {
        guard(|| {
            let actor = self.ids()?.actor(actor);
            write(self.inner)?.tick(actor, opportunity, item)
        })
    }

    fn untick(&self, actor: &str, opportunity: &str, item: &str) -> Result<(), String> {
        guard(|| {
            let actor = self.ids()?.actor(actor);
            write(self.inner)?.untick(actor, opportunity, item)
        })
    }

    fn advance(&self, actor: &str, opportunity: &str, to: &str) -> Result<(), String> {
        guard(|| {
            let (actor, to) = {
                let mut ids = self.ids()?;
                (ids.actor(actor), ids.stage(to))
            };
            write(self.inner)?.advance(actor, opportunity, to)
        })
    }

    fn force_advance(
        &self,
        actor: &str,
        opportunity: &str,
        to: &str,
        reason: String,
    ) -> Result<(), String> {
        guard(|| {
            let (actor, to) = {
                let mut ids = self.ids()?;
                (ids.actor(actor), ids.stage(to))
            };
            write(self.inner)?.force_advance(actor, opportunity, to, reason)
        })
    }

    fn move_back(
        &self,
        actor: &str,
        opportunity: &str,
        to: &str,
        reason: Option<String>,
    ) -> Result<(), String> {
        guard(|| {
            let (actor, to) = {
                let mut ids = self.ids()?;
                (ids.actor(actor), ids.stage(to))
            };
            write(self.inner)?.move_back(actor, opportunity, to, reason)
        })
    }

    fn win(&self, actor: &str, opportunity: &str) -> Result<(), String> {
        guard(|| {
            let actor = self.ids()?.actor(actor);
            write(self.inner)?.win(actor, opportunity)
        })
    }

    fn lose(
        &self,
        actor: &str,
        opportunity: &str,
        reason: String,
        competitor: Option<String>,
    ) -> Result<(), String> {
        guard(|| {
            let actor = self.ids()?.actor(actor);
            write(self.inner)?.lose(actor, opportunity, reason, competitor)
        })
    }

    fn complete_task(&self, actor: &str, task: &str) -> Result<(), String> {
        guard(|| {
            let actor = self.ids()?.actor(actor);
            write(self.inner)?.complete_task(actor, task)
        })
    }
}

/// `Engine.tick` over a [`Handle`] (`index.js` calls it; not part of the API).
#[napi(js_name = "_tick", skip_typescript)]
pub fn handle_tick(
    engine: &External<Handle>,
    actor: Text,
    opportunity: Text,
    item: Text,
) -> Result<(), String> {
    engine
        .hot()
        .tick(actor.as_str(), opportunity.as_str(), item.as_str())
}

/// `Engine.untick` over a [`Handle`].
#[napi(js_name = "_untick", skip_typescript)]
pub fn handle_untick(
    engine: &External<Handle>,
    actor: Text,
    opportunity: Text,
    item: Text,
) -> Result<(), String> {
    engine
        .hot()
        .untick(actor.as_str(), opportunity.as_str(), item.as_str())
}

/// `Engine.advance` over a [`Handle`].
#[napi(js_name = "_advance", skip_typescript)]
pub fn handle_advance(
    engine: &External<Handle>,
    actor: Text,
    opportunity: Text,
    to: Text,
) -> Result<(), String> {
    engine
        .hot()
        .advance(actor.as_str(), opportunity.as_str(), to.as_str())
}

/// `Engine.forceAdvance` over a [`Handle`].
#[napi(js_name = "_forceAdvance", skip_typescript)]
pub fn handle_force_advance(
    engine: &External<Handle>,
    actor: Text,
    opportunity: Text,
    to: Text,
    reason: String,
) -> Result<(), String> {
    engine
        .hot()
        .force_advance(actor.as_str(), opportunity.as_str(), to.as_str(), reason)
}

/// `Engine.moveBack` over a [`Handle`].
#[napi(js_name = "_moveBack", skip_typescript)]
pub fn handle_move_back(
    engine: &External<Handle>,
    actor: Text,
    opportunity: Text,
    to: Text,
    reason: Option<String>,
) -> Result<(), String> {
    engine
        .hot()
        .move_back(actor.as_str(), opportunity.as_str(), to.as_str(), reason)
}

/// `Engine.win` over a [`Handle`].
#[napi(js_name = "_win", skip_typescript)]
pub fn handle_win(engine: &External<Handle>, actor: Text, opportunity: Text) -> Result<(), String> {
    engine.hot().win(actor.as_str(), opportunity.as_str())
}

/// `Engine.lose` over a [`Handle`].
#[napi(js_name = "_lose", skip_typescript)]
pub fn handle_lose(
    engine: &External<Handle>,
    actor: Text,
    opportunity: Text,
    reason: String,
    competitor: Option<String>,
) -> Result<(), String> {
    engine
        .hot()
        .lose(actor.as_str(), opportunity.as_str(), reason, competitor)
}

/// `Engine.completeTask` over a [`Handle`].
#[napi(js_name = "_completeTask", skip_typescript)]
pub fn handle_complete_task(
    engine: &External<Handle>,
    actor: Text,
    task: Text,
) -> Result<(), String> {
    engine.hot().complete_task(actor.as_str(), task.as_str())
}
