"""Targets and attainment through Python: the engine path, plain records, bad input."""

from __future__ import annotations

import datetime as dt

import pytest

import salespipe as sp
from helpers import at, cny, team


def engine() -> tuple[sp.Engine, sp.ManualClock]:
    e, clock = team("2026-01-05T01:00:00", ("wang", "qian"), time_zone="Asia/Shanghai")
    e.define_pipeline(
        "admin",
        sp.Pipeline(
            "s",
            "S",
            [
                sp.Stage("a", "A", 0.1),
                sp.Stage("c", "Contract", 0.9, forecast_category=sp.ForecastCategory.COMMIT),
            ],
            allow_skip=True,
        ),
    )
    e.create_customer("wang", sp.Customer("acme", "Acme"))
    return e, clock


def test_attainment_through_the_engine() -> None:
    e, clock = engine()
    e.set_target("admin", sp.Target("t-li", "team:li", "2026-Q1", cny("3000")))
    e.set_target("admin", sp.Target("t-wang", "rep:wang", "2026-Q1", cny("1000"), deals=2))
    e.create_opportunity(
        "wang",
        sp.NewOpportunity(
            "o1", "s", "acme", "wang", "ERP", cny("600"), expected_close=dt.date(2026, 3, 31)
        ),
    )
    e.create_opportunity(
        "qian",
        sp.NewOpportunity(
            "o2",
            "s",
            "acme",
            "qian",
            "CRM",
            cny("500"),
            expected_close=dt.date(2026, 3, 1),
            stage="c",
        ),
    )
    clock.set(at("2026-03-31T15:59:59"))  # 23:59:59 on 31 March in Shanghai
    e.win("wang", "o1")

    r = e.attainment("2026-Q1")
    assert isinstance(r, sp.AttainmentReport)
    assert (r.period, r.currency, r.time_zone) == ("2026-Q1", "CNY", "Asia/Shanghai")
    wang = r.row("rep:wang")
    assert wang is not None and isinstance(wang, sp.AttainmentRow)
    assert wang.closed_won == cny("600")
    assert wang.attainment == pytest.approx(0.6)
    assert wang.deal_attainment == pytest.approx(0.5)
    assert wang.gap == cny("400")
    assert wang.parent == "team:li"
    team = r.row("team:li")
    assert team is not None
    assert team.commit == cny("500")
    assert team.commit_attainment == pytest.approx(1100 / 3000)
    assert team.weighted_pipeline == pytest.approx(45_000.0)
    assert team.coverage == pytest.approx(500 / 2400)
    assert [i.missing for i in r.decomposition] == [["rep:qian"]]
    assert r.row("rep:nobody") is None
    assert r.to_dict()["rows"][0]["scope"] == "company"

    # as of before the win; in UTC; without targets a currency is needed
    before = e.attainment("2026-Q1", as_of=at("2026-03-01T00:00:00"))
    row = before.row("rep:wang")
    assert row is not None and row.closed_won == cny("0")
    q2 = e.attainment("2026-Q2", currency="CNY")
    company = q2.row("company")
    assert company is not None and company.attainment is None
    with pytest.raises(sp.ValidationError):
        e.attainment("2026-Q2")
    with pytest.raises(sp.ValidationError, match="period"):
        e.attainment("2026-Q5")

    assert [t.id for t in e.targets()] == ["t-li", "t-wang"]
    e.remove_target("admin", "t-li")
    assert [t.id for t in e.targets()] == ["t-wang"]


def test_bad_targets_are_refused_and_nothing_is_written() -> None:
    e, _ = engine()
    e.set_target("admin", sp.Target("w", "rep:wang", "2026-Q1", cny("100")))
    before = len(list(e.events()))
    with pytest.raises(sp.NotFound, match="target.scope") as info:
        e.set_target("admin", sp.Target("x", "rep:ghost", "2026-Q1", cny("1")))
    assert info.value.field == "target.scope"
    assert info.value.details == {"kind": "user", "id": "ghost", "field": "target.scope"}
    with pytest.raises(sp.ValidationError, match="target.period"):
        e.set_target("admin", sp.Target("y", "rep:wang", "2026-Q1", cny("1")))
    with pytest.raises(sp.ValidationError, match="target.revenue"):
        e.set_target("admin", sp.Target("z", "rep:qian", "2026-Q1", cny("-1")))
    with pytest.raises(sp.PermissionDenied):
        e.set_target("wang", sp.Target("me", "rep:wang", "2026-Q2", cny("1")))
    with pytest.raises(sp.ValidationError, match="scope"):
        e.set_target("admin", sp.Target("s", "boss:li", "2026-Q2", cny("1")))
    assert len(list(e.events())) == before


def test_attainment_over_plain_records() -> None:
    users = [sp.User("li", "Li", role=sp.Role.MANAGER), sp.User("wang", "Wang", manager="li")]
    targets = [sp.Target("w", "rep:wang", "2026-03", cny("100"))]
    deals = [
        sp.DealRow("wang", cny("30"), sp.DealOutcome.WON, closed_at=at("2026-03-10T00:00:00")),
        sp.DealRow(
            "wang",
            cny("50"),
            sp.DealOutcome.OPEN,
            expected_close=dt.date(2026, 3, 20),
            probability=0.5,
            category=sp.ForecastCategory.BEST_CASE,
        ),
        sp.DealRow("wang", sp.Money("9", "USD"), sp.DealOutcome.WON, closed_at=at("2026-03-11T00:00:00")),
    ]
    r = sp.attainment(users, targets, deals, "2026-03")
    wang = r.row("rep:wang")
    assert wang is not None
    assert wang.attainment == pytest.approx(0.3)
    assert wang.best_case == cny("50")
    assert wang.weighted_pipeline == pytest.approx(2500.0)
    assert wang.other_currencies["USD"] == sp.OtherCurrency(closed_won=900, open_pipeline=0)
    cut = sp.attainment(users, targets, deals, "2026-03", as_of=at("2026-03-05T00:00:00"))
    row = cut.row("rep:wang")
    assert row is not None and row.closed_won == cny("0")
    with pytest.raises(sp.ValidationError, match=r"deals\[0\].amount"):
        sp.attainment(
            users,
            targets,
            [sp.DealRow("wang", cny("-1"), sp.DealOutcome.OPEN)],
            "2026-03",
        )
    with pytest.raises(sp.NotFound, match="owner"):
        sp.attainment(
            users, targets, [sp.DealRow("ghost", cny("1"), sp.DealOutcome.LOST)], "2026-03"
        )
