//! The engine bench's input: a gated five-stage pipeline and an engine holding `n`
//! opportunities ready to advance, shared by `benches/engine.rs` and the `engine-probe`
//! binary (so the profiled loop is the measured one).

use salespipe::{
    Currency, Customer, Engine, FieldOp, FieldValue, ManualClock, Money, NewOpportunity, Pipeline,
    Requirement, Role, Stage, Timestamp, User,
};

/// The stages of [`engine_pipeline`], in order.
pub const ENGINE_STAGES: [&str; 5] = ["qualify", "demo", "resolve", "quote", "contract"];

/// Five stages, each gated by a checklist item and a field comparison (sub-goal mode).
pub fn engine_pipeline() -> salespipe::Result<Pipeline> {
    let mut b = Pipeline::builder("sales", "Sales");
    for (i, id) in ENGINE_STAGES.iter().enumerate() {
        b = b.stage(
            Stage::new(*id, *id, 0.1 + 0.15 * i as f64)
                .requires(Requirement::checklist("ok"))
                .requires(Requirement::field(
                    "amount",
                    FieldOp::Gt,
                    FieldValue::Number(0.0),
                )),
        );
    }
    b.build()
}

/// An engine holding `n` opportunities (`o0` … `o{n-1}`, owned by `rep`) in the first stage
/// with every gate met.
pub fn engine_with(n: usize) -> salespipe::Result<Engine> {
    let mut e = Engine::builder()
        .clock(ManualClock::new(Timestamp::from_millis(1_750_000_000_000)))
        .build()?;
    e.register_user("admin", User::new("admin", "Admin", Role::Admin))?;
    e.register_user(
        "admin",
        User::new("rep", "Rep", Role::Rep).managed_by("admin"),
    )?;
    e.define_pipeline("admin", engine_pipeline()?)?;
    e.create_customer("rep", Customer::new("c", "Customer"))?;
    let cny = Currency::new("CNY")?;
    for i in 0..n {
        let id = format!("o{i}");
        e.create_opportunity(
            "rep",
            NewOpportunity::new(
                id.as_str(),
                "sales",
                "c",
                "rep",
                "deal",
                Money::from_minor(1000, cny),
            ),
        )?;
        e.tick("rep", id.as_str(), "ok")?;
    }
    Ok(e)
}
