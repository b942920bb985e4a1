"""Shared fixtures: a manual clock and an engine with a small team and pipeline."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

import salespipe as sp
from salespipe import _records

# Strict decoding in the binding's tests: a key of the core's JSON that a record has no field
# for (or an enum value it does not know) fails the test instead of vanishing.
_records._STRICT = True

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "tests" / "scenarios"
START = datetime(2026, 3, 2, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def clock() -> sp.ManualClock:
    return sp.ManualClock(START)


@pytest.fixture
def engine(clock: sp.ManualClock) -> sp.Engine:
    """Admin, a manager and two reps; a three-stage pipeline with a checklist gate; one
    customer with a contact; one opportunity ``opp-1`` owned by ``wang`` in ``qualify``."""
    e = sp.Engine(clock=clock)
    e.register_user("admin", sp.User("admin", "Admin", role=sp.Role.ADMIN))
    e.register_user("admin", sp.User("li", "李经理", role=sp.Role.MANAGER, manager="admin"))
    e.register_user("admin", sp.User("wang", "王芳", manager="li"))
    e.register_user("admin", sp.User("qian", "钱伟", manager="li"))
    e.define_pipeline(
        "admin",
        sp.Pipeline(
            "sales",
            "Sales",
            [
                sp.Stage("qualify", "识别潜在客户", 0.1, exit=[{"type": "checklist", "item": "budget"}]),
                sp.Stage("demo", "产品演示", 0.3),
                sp.Stage("quote", "报价", 0.6),
            ],
            lost_reasons=["price", "timing"],
        ),
    )
    e.create_customer(
        "wang", sp.Customer("acme", "Acme", contacts=[sp.Contact("c1", "Zhang", email="z@acme.cn")])
    )
    e.create_opportunity(
        "wang",
        sp.NewOpportunity(
            "opp-1", "sales", "acme", "wang", "Acme ERP", sp.Money("120000", "CNY")
        ),
    )
    return e
