//! The quickstart: one deal walked through the five-stage process of the mission —
//! 识别潜在客户 qualify → 产品演示 demo → 客户释疑 resolve → 报价 quote → 合同 contract → won —
//! with a sub-goal gate, a two-step quote approval (rejected once, then approved) and the
//! timeline printed at the end. It runs on the embedded default store: a SQLite file
//! (`cargo run -p quickstart -- path/to/file.db`, default: a fresh file in the temp directory),
//! which it reopens at the end to show that everything was kept.
#![allow(clippy::print_stdout)]

use std::time::Duration;

use salespipe::*;
use unicode_width::UnicodeWidthStr;

fn main() {
    if let Err(e) = run() {
        eprintln!("quickstart failed: [{}] {e}", e.code());
        std::process::exit(1);
    }
}

/// Pads to a display width, counting CJK characters as two columns.
fn pad(s: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w).max(1)))
}

fn day(clock: &ManualClock, days: u64) {
    clock.advance(Duration::from_secs(days * 86_400));
}

fn run() -> Result<()> {
    let path = match std::env::args_os().nth(1) {
        Some(p) => std::path::PathBuf::from(p),
        None => {
            std::env::temp_dir().join(format!("salespipe-quickstart-{}.db", std::process::id()))
        }
    };
    for suffix in ["", "-wal", "-shm"] {
        let mut f = path.clone().into_os_string();
        f.push(suffix);
        // A fresh story each run: remove what a previous run left there.
        let _ = std::fs::remove_file(f);
    }
    println!("== Store: {}\n", path.display());
    let clock = ManualClock::new("2026-03-02T01:30:00Z".parse()?);
    let mut engine = Engine::builder()
        .store(SqliteStore::open(&path)?)
        .clock(clock.clone())
        .build()?;

    // People: an admin, a sales manager, a rep and a finance approver.
    engine.register_user("admin", User::new("admin", "系统管理员", Role::Admin))?;
    engine.register_user(
        "admin",
        User::new("li", "李经理", Role::Manager).managed_by("admin"),
    )?;
    engine.register_user(
        "admin",
        User::new("wang", "王芳", Role::Rep)
            .managed_by("li")
            .time_zone("Asia/Shanghai"),
    )?;
    engine.register_user(
        "admin",
        User::new("zhao", "赵财务", Role::Manager).managed_by("admin"),
    )?;

    // The quote approval: the sales manager, then finance.
    engine.execute(
        "admin",
        Command::DefineProcess {
            process: ApprovalProcess::new("quote-approval", "报价审批")
                .step(ApprovalStep {
                    name: "销售经理".into(),
                    approvers: vec!["li".into()],
                    policy: StepPolicy::Any,
                })
                .step(ApprovalStep {
                    name: "财务".into(),
                    approvers: vec!["zhao".into()],
                    policy: StepPolicy::All,
                }),
        },
    )?;

    // The pipeline, with its sub-goals.
    let pipeline = Pipeline::builder("sales", "销售流程")
        .stage(
            Stage::new("qualify", "识别潜在客户", 0.1)
                .rotting_after(Duration::from_secs(14 * 86_400))
                .guidance(Guidance::text("BANT", "Budget, Authority, Need, Timeline"))
                .requires(Requirement::checklist("预算已确认 budget confirmed"))
                .requires(Requirement::present("expected_close")),
        )
        .stage(
            Stage::new("demo", "产品演示", 0.25)
                .requires(Requirement::activity("demo"))
                .requires(Requirement::MinContacts { count: 2 }),
        )
        .stage(
            Stage::new("resolve", "客户释疑", 0.4).requires(Requirement::MinProducts { count: 1 }),
        )
        .stage(Stage::new("quote", "报价", 0.6).requires(Requirement::approval("quote-approval")))
        .stage(
            Stage::new("contract", "合同", 0.85)
                .requires(Requirement::checklist("合同已签 contract signed")),
        )
        .lost_reasons(["price", "no budget", "competitor", "timing"])
        .build()?;
    engine.define_pipeline("admin", pipeline)?;

    // A customer with two contacts, and the opportunity.
    engine.create_customer(
        "wang",
        Customer::new("acme", "Acme 科技有限公司")
            .key_account(Duration::from_secs(14 * 86_400))
            .contact(Contact::new("acme-li", "李雷 (CIO)"))
            .contact(Contact::new("acme-han", "韩梅梅 (采购)")),
    )?;
    let mut deal = NewOpportunity::new(
        "opp-1",
        "sales",
        "acme",
        "wang",
        "Acme ERP 上线项目",
        Money::parse("120000", "CNY")?,
    );
    deal.source = Some("网络推广".into());
    deal.contacts = vec!["acme-li".into()];
    engine.create_opportunity("wang", deal)?;
    let opp = OpportunityId::new("opp-1");
    let contract = StageId::new("contract");

    println!("== What is missing to reach 合同 contract, on day one?\n");
    println!("{}", engine.view().check(&opp, &contract)?);

    // Qualify: tick the budget and set the expected close date.
    engine.log_activity(
        "wang",
        Activity::new("act-1", "call", "acme", clock.now())
            .on_opportunity("opp-1")
            .with_contact("acme-li")
            .notes("Budget approved by the board")
            .follow_up_at(clock.now().plus(Duration::from_secs(3 * 86_400))),
    )?;
    engine.tick("wang", "opp-1", "预算已确认 budget confirmed")?;
    engine.update_opportunity(
        "wang",
        "opp-1",
        OpportunityPatch {
            expected_close: Some(Some(parse_date("expected_close", "2026-04-30")?)),
            ..Default::default()
        },
    )?;
    engine.advance("wang", "opp-1", "demo")?;

    // Demo: the gate wants a demo activity and a second contact.
    day(&clock, 3);
    match engine.advance("wang", "opp-1", "resolve") {
        Err(e) => println!(
            "== Advance to 客户释疑 refused ({}):\n\n{}",
            e.code(),
            e.gate_report().map(ToString::to_string).unwrap_or_default()
        ),
        Ok(()) => println!("unexpected: the gate let the deal through"),
    }
    engine.log_activity(
        "wang",
        Activity::new("act-2", "demo", "acme", clock.now())
            .on_opportunity("opp-1")
            .with_contact("acme-han"),
    )?;
    engine.update_opportunity(
        "wang",
        "opp-1",
        OpportunityPatch {
            contacts: Some(vec!["acme-li".into(), "acme-han".into()]),
            ..Default::default()
        },
    )?;
    engine.advance("wang", "opp-1", "resolve")?;

    // Resolve objections, quote the products; the amount now follows the quote.
    day(&clock, 4);
    let price = Money::parse("4821", "CNY")?;
    engine.update_opportunity(
        "wang",
        "opp-1",
        OpportunityPatch {
            products: Some(vec![
                ProductLine::new("GTX Pro", 20, price).discount_bp(1500),
                ProductLine::new("实施服务 implementation", 1, Money::parse("30000", "CNY")?),
            ]),
            amount_from_products: Some(true),
            competitors: Some(vec![Competitor::new("Globex")]),
            ..Default::default()
        },
    )?;
    engine.advance("wang", "opp-1", "quote")?;

    // Quote: a two-step approval. Finance rejects the first discount.
    day(&clock, 1);
    engine.submit_approval("wang", "opp-1", "quote-approval", "req-1")?;
    if let Err(e) = engine.decide_approval(
        "wang",
        "opp-1",
        "req-1",
        Decision::Approve,
        "looks good to me",
    ) {
        println!("== Self-approval refused ({}): {e}\n", e.code());
    }
    engine.decide_approval("li", "opp-1", "req-1", Decision::Approve, "同意")?;
    engine.decide_approval(
        "zhao",
        "opp-1",
        "req-1",
        Decision::Reject,
        "折扣过高 discount too deep",
    )?;
    println!(
        "== After the rejection:\n\n{}",
        engine.view().check(&opp, &contract)?
    );
    engine.update_opportunity(
        "wang",
        "opp-1",
        OpportunityPatch {
            products: Some(vec![
                ProductLine::new("GTX Pro", 20, price).discount_bp(1000),
                ProductLine::new("实施服务 implementation", 1, Money::parse("30000", "CNY")?),
            ]),
            ..Default::default()
        },
    )?;
    day(&clock, 1);
    engine.execute(
        "wang",
        Command::ResubmitApproval {
            opportunity: "opp-1".into(),
            request: "req-1".into(),
        },
    )?;
    engine.decide_approval("li", "opp-1", "req-1", Decision::Approve, "同意")?;
    engine.decide_approval("zhao", "opp-1", "req-1", Decision::Approve, "可以")?;
    engine.advance("wang", "opp-1", "contract")?;

    // Contract signed: won.
    day(&clock, 5);
    engine.tick("wang", "opp-1", "合同已签 contract signed")?;
    engine.win("wang", "opp-1")?;

    let view = engine.view();
    let o = view.opportunity(&opp)?;
    println!(
        "== {} — {} — {}, amount {}\n",
        o.id, o.name, o.status, o.amount
    );
    println!(
        "{}{}{}{}why",
        pad("when (UTC)", 26),
        pad("who", 8),
        pad("move", 26),
        pad("how", 10)
    );
    let p = view.pipeline(&o.pipeline)?;
    for entry in view.timeline(&opp)? {
        let moved = match &entry.from {
            Some(from) => format!("{} → {}", p.display_name(from), p.display_name(&entry.to)),
            None => format!("→ {}", p.display_name(&entry.to)),
        };
        println!(
            "{}{}{}{}{}",
            pad(&entry.at.to_string(), 26),
            pad(entry.actor.as_str(), 8),
            pad(&moved, 26),
            pad(&entry.how.to_string(), 10),
            entry.reason.unwrap_or_default()
        );
    }
    let request = o
        .latest_request(&"quote-approval".into())
        .ok_or_else(|| Error::not_found("approval request", "req-1"))?;
    println!("\n== Approval {} ({} rounds):", request.id, request.round);
    for d in &request.decisions {
        let decision = if d.decision == Decision::Approve {
            "approve"
        } else {
            "reject"
        };
        println!(
            "  round {} step {} {:<6} {:<8} {}",
            d.round,
            d.step + 1,
            d.approver.as_str(),
            decision,
            d.comment
        );
    }

    // Everything is on disk: a new engine on the same file replays it.
    let events = engine.store().head()?;
    drop(view);
    drop(engine);
    let reopened = Engine::builder().store(SqliteStore::open(&path)?).build()?;
    let view = reopened.view();
    let again = view.opportunity(&opp)?;
    println!(
        "\n== Reopened {}: {events} events replayed; {} is {} with {} timeline entries",
        path.display(),
        again.id,
        again.status,
        view.timeline(&opp)?.len()
    );
    Ok(())
}
