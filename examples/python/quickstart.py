"""The five-stage process of the README, from Python: gates, a blocked advance and its report,
a timeline, a reminder and the funnel. Run: ``python examples/python/quickstart.py``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import salespipe as sp


def main() -> None:
    clock = sp.ManualClock(datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc))
    engine = sp.Engine(clock=clock)  # or sp.Engine(store="crm.sqlite") to persist
    engine.register_user("boss", sp.User("boss", "Boss", role=sp.Role.ADMIN))
    engine.register_user("boss", sp.User("wang", "王芳", manager="boss"))
    engine.define_pipeline(
        "boss",
        sp.Pipeline(
            "sales",
            "Sales",
            [
                sp.Stage("qualify", "识别潜在客户", 0.1,
                         exit=[{"type": "checklist", "item": "budget confirmed"}]),
                sp.Stage("demo", "产品演示", 0.3, exit=[{"type": "activity", "kind": "demo"}]),
                sp.Stage("resolve", "客户释疑", 0.5),
                sp.Stage("quote", "报价", 0.7),
                sp.Stage("contract", "合同", 0.9),
            ],
            lost_reasons=["price", "timing", "competitor"],
        ),
    )
    engine.create_customer("wang", sp.Customer("acme", "Acme", key=True))
    engine.create_opportunity(
        "wang",
        sp.NewOpportunity("opp-1", "sales", "acme", "wang", "Acme ERP", sp.Money("120000", "CNY")),
    )

    try:
        engine.advance("wang", "opp-1", "demo")
    except sp.GateNotMet as e:
        print("blocked:", [item.reason for item in e.report.missing])
    engine.tick("wang", "opp-1", "budget confirmed")
    engine.advance("wang", "opp-1", "demo")

    clock.advance(timedelta(days=2))
    engine.log_activity(
        "wang",
        sp.Activity("a-1", "demo", "acme", clock.now(), opportunity="opp-1",
                    next_follow_up=clock.now() + timedelta(days=3)),
    )
    engine.advance("wang", "opp-1", "resolve")
    for entry in engine.timeline("opp-1"):
        print(entry.at.date(), entry.from_, "→", entry.to, entry.how.value)

    later = clock.now() + timedelta(days=4)
    print("due:", [(r.kind.value, r.recipient) for r in engine.due(later)])
    print(engine.funnel("sales", as_of=later))


if __name__ == "__main__":
    main()
