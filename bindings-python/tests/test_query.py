"""``Engine.query``: every read as data, and the engine funnel's currency sections."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

import salespipe as sp
from conftest import START


def test_query_answers_records_lists_and_reports(
    engine: sp.Engine, clock: sp.ManualClock
) -> None:
    opp = engine.query("wang", {"type": "opportunity", "id": "opp-1"})
    assert opp["stage"] == "qualify" and opp["amount"] == {"minor": 12_000_000, "currency": "CNY"}
    assert sp.Opportunity.from_dict(opp) == engine.opportunity("opp-1")

    users = engine.query("qian", {"type": "users"})
    assert [u["id"] for u in users] == ["admin", "li", "qian", "wang"]
    assert engine.query(None, {"type": "users"}) == users  # the host

    clock.advance(timedelta(hours=1))
    engine.tick("wang", "opp-1", "budget")
    engine.advance("wang", "opp-1", "demo")
    # as_of takes a tz-aware datetime (or the core's RFC 3339 text) and a date a date
    before = engine.query("li", {"type": "opportunity", "id": "opp-1", "as_of": START})
    assert before["stage"] == "qualify"
    report = engine.query(
        "li", {"type": "daily_report", "rep": "wang", "day": date(2026, 3, 2), "as_of": START}
    )
    assert report["rep"] == "wang" and report["day"] == "2026-03-02"


def test_reads_are_limited_to_what_the_reader_may_see(engine: sp.Engine) -> None:
    # opp-1 is wang's: qian (a rep beside wang) may not read it, li (their manager) may
    with pytest.raises(sp.PermissionDenied, match="opportunity opp-1"):
        engine.query("qian", {"type": "opportunity", "id": "opp-1"})
    assert engine.query("li", {"type": "opportunity", "id": "opp-1"})["owner"] == "wang"
    assert engine.query("qian", {"type": "opportunities"}) == []
    assert [o["id"] for o in engine.query("wang", {"type": "opportunities"})] == ["opp-1"]
    # an unregistered reader reads nothing; company-wide reports need an admin
    with pytest.raises(sp.PermissionDenied, match="not a registered user"):
        engine.query("mallory", {"type": "users"})
    with pytest.raises(sp.PermissionDenied, match="events"):
        engine.query("li", {"type": "events", "after": 0})
    assert engine.query("admin", {"type": "events", "after": 0})


def test_a_bad_query_names_the_field_or_variant(engine: sp.Engine) -> None:
    with pytest.raises(sp.ValidationError, match="unknown variant `opportunites`") as info:
        engine.query("wang", {"type": "opportunites"})
    assert info.value.field == "query.type"  # the tag that names the variant
    with pytest.raises(sp.ValidationError, match="missing field `id`"):
        engine.query("wang", {"type": "opportunity"})
    with pytest.raises(sp.ValidationError, match="actor"):
        engine.query("", {"type": "users"})
    with pytest.raises(sp.NotFound) as missing:
        engine.query("wang", {"type": "opportunity", "id": "ghost"})
    assert missing.value.details["id"] == "ghost"


def test_the_engine_funnel_picks_a_currency_section(
    engine: sp.Engine, clock: sp.ManualClock
) -> None:
    assert engine.funnel("sales").total["opportunities"] == 1  # one currency: its section
    engine.create_opportunity(
        "qian",
        sp.NewOpportunity(
            "opp-2", "sales", "acme", "qian", "USD deal", sp.Money("500", "USD"),
            expected_close=date(2026, 6, 30),
        ),
    )
    with pytest.raises(sp.ValidationError, match="CNY, USD") as info:
        engine.funnel("sales")
    assert info.value.field == "currency"
    cny, usd = engine.funnel("sales", currency="CNY"), engine.funnel("sales", currency="USD")
    assert cny.to_dict()["currency"] == "CNY" and usd.to_dict()["currency"] == "USD"
    assert cny.total["opportunities"] == usd.total["opportunities"] == 1
    with pytest.raises(sp.ValidationError, match="EUR") as absent:
        engine.funnel("sales", currency="EUR")
    assert absent.value.field == "currency"
    # forecast and calibration pick their section the same way
    assert engine.forecast("sales", currency="USD")["opportunities"] == 1
    assert "brier" in engine.calibration("sales", currency="CNY")
    with pytest.raises(sp.ValidationError, match="currency"):
        engine.forecast("sales")


def test_a_pipeline_without_deals_answers_any_currency_with_its_empty_section() -> None:
    engine = sp.Engine()
    engine.register_user("root", {"id": "root", "name": "Root", "role": "admin"})
    engine.define_pipeline(
        "root",
        {"id": "sales", "name": "Sales", "stages": [{"id": "a", "name": "A", "probability": 0.5}]},
    )
    for currency in (None, "CNY"):
        report = engine.funnel("sales", currency=currency)
        assert report.total["opportunities"] == 0
        assert report.to_dict()["currency"] is None


def test_a_query_that_is_not_a_mapping_is_a_type_error(engine: sp.Engine) -> None:
    for bad in ("opportunity", ["type", "users"], 3, None):
        with pytest.raises(TypeError, match="mapping"):
            engine.query("wang", bad)  # type: ignore[arg-type]
