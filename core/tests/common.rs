//! Shared fixtures for the integration tests.
#![allow(dead_code, clippy::unwrap_used)]

use salespipe::*;

pub fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub fn cny(minor: i64) -> Money {
    Money::from_minor(minor, Currency::new("CNY").unwrap())
}

pub fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::new("USD").unwrap())
}

/// The pipeline of the sales-management tests: qualify (pipeline), quote (best case),
/// contract (commit); skips allowed.
pub fn forecast_pipeline() -> Pipeline {
    Pipeline::builder("sales", "Sales")
        .stage(Stage::new("qualify", "识别潜在客户", 0.1))
        .stage(Stage::new("quote", "报价", 0.5).forecast_category(ForecastCategory::BestCase))
        .stage(Stage::new("contract", "合同", 0.9).forecast_category(ForecastCategory::Commit))
        .lost_reasons(["price"])
        .allow_skip(true)
        .build()
        .unwrap()
}

/// The organisation of the sales-management tests: admin → li (manager) → wang, qian (reps),
/// the [`forecast_pipeline`], the company's clock in Asia/Shanghai and customer acme.
pub fn mgmt_engine(clock: &ManualClock) -> Engine {
    let mut e = Engine::with_clock(clock.clone());
    e.register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    e.register_user("admin", User::new("li", "李经理", Role::Manager))
        .unwrap();
    for r in ["wang", "qian"] {
        e.register_user("admin", User::new(r, r, Role::Rep).managed_by("li"))
            .unwrap();
    }
    e.define_pipeline("admin", forecast_pipeline()).unwrap();
    e.execute(
        "admin",
        Command::SetReminderRules {
            rules: ReminderRules {
                time_zone: "Asia/Shanghai".into(),
                ..ReminderRules::default()
            },
        },
    )
    .unwrap();
    e.create_customer("wang", Customer::new("acme", "Acme"))
        .unwrap();
    e
}

/// The five-stage pipeline of the mission, with a sub-goal gate on qualify, an activity gate on
/// demo and the quote approval on quote.
pub fn five_stages() -> Pipeline {
    Pipeline::builder("sales", "销售流程")
        .stage(
            Stage::new("qualify", "识别潜在客户", 0.1)
                .requires(Requirement::checklist("budget confirmed")),
        )
        .stage(Stage::new("demo", "产品演示", 0.25).requires(Requirement::activity("demo")))
        .stage(Stage::new("resolve", "客户释疑", 0.4))
        .stage(Stage::new("quote", "报价", 0.6).requires(Requirement::approval("quote-approval")))
        .stage(Stage::new("contract", "合同", 0.85))
        .lost_reasons(["price", "no budget"])
        .allow_skip(true)
        .build()
        .unwrap()
}

pub fn quote_process() -> ApprovalProcess {
    ApprovalProcess::new("quote-approval", "报价审批")
        .step(ApprovalStep {
            name: "Manager".into(),
            approvers: vec!["li".into()],
            policy: StepPolicy::Any,
        })
        .step(ApprovalStep {
            name: "Finance".into(),
            approvers: vec!["zhao".into()],
            policy: StepPolicy::All,
        })
}

/// Users, process, pipeline and customer `acme` on `engine`.
pub fn setup(engine: &mut Engine) {
    engine
        .register_user("admin", User::new("admin", "Admin", Role::Admin))
        .unwrap();
    engine
        .register_user(
            "admin",
            User::new("li", "李经理", Role::Manager).managed_by("admin"),
        )
        .unwrap();
    engine
        .register_user(
            "admin",
            User::new("wang", "王芳", Role::Rep).managed_by("li"),
        )
        .unwrap();
    engine
        .register_user(
            "admin",
            User::new("qian", "钱伟", Role::Rep).managed_by("li"),
        )
        .unwrap();
    engine
        .register_user(
            "admin",
            User::new("zhao", "赵财务", Role::Manager).managed_by("admin"),
        )
        .unwrap();
    engine
        .execute(
            "admin",
            Command::DefineProcess {
                process: quote_process(),
            },
        )
        .unwrap();
    engine.define_pipeline("admin", five_stages()).unwrap();
    engine
        .create_customer(
            "wang",
            Customer::new("acme", "Acme 科技").contact(Contact::new("acme-li", "李雷")),
        )
        .unwrap();
}

pub fn new_opp(id: &str, amount: i64) -> NewOpportunity {
    NewOpportunity::new(
        id,
        "sales",
        "acme",
        "wang",
        format!("deal {id}"),
        cny(amount),
    )
}
