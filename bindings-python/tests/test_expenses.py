"""Expenses per customer (费用控制) through Python: approval, resubmission, reports, errors."""

from __future__ import annotations

import datetime as dt

import pytest

import salespipe as sp
from helpers import at, cny, team


def engine() -> tuple[sp.Engine, sp.ManualClock]:
    e, clock = team("2026-03-02T01:00:00")
    e.define_process(
        "admin",
        sp.ApprovalProcess("exp", "费用审批", [sp.ApprovalStep("Manager", ["li"])]),
    )
    e.configure_expenses(
        "admin",
        sp.ExpenseSettings(
            [sp.ExpenseCategory("travel", "差旅"), sp.ExpenseCategory("gifts", "礼品")], "exp"
        ),
    )
    e.create_customer("wang", sp.Customer("acme", "Acme"))
    return e, clock


def test_submit_reject_resubmit_approve_and_report() -> None:
    e, clock = engine()
    e.submit_expense(
        "wang", sp.Expense("e1", "acme", "wang", "travel", cny("500"), dt.date(2026, 3, 2))
    )
    e.submit_expense(
        "wang", sp.Expense("e2", "acme", "wang", "gifts", cny("80"), dt.date(2026, 3, 3))
    )
    e.decide_expense("li", "e1", sp.Decision.REJECT, "economy class, please")
    assert e.expense("e1").status == sp.ExpenseStatus.REJECTED
    clock.set(at("2026-03-04T01:00:00"))
    e.resubmit_expense("wang", "e1", amount=cny("300"), note="economy")
    rec = e.expense("e1")
    assert isinstance(rec, sp.ExpenseRecord)
    assert rec.request.round == 2 and rec.expense.amount == cny("300")
    assert rec.status == sp.ExpenseStatus.PENDING
    e.decide_expense("li", "e1", "approve")
    assert [x.expense.id for x in e.expenses()] == ["e1", "e2"]

    r = e.expense_report(from_=dt.date(2026, 3, 1), to=dt.date(2026, 4, 1))
    assert isinstance(r, sp.ExpenseReport)
    assert r.total.approved == {"CNY": 30_000}
    assert r.total.pending == {"CNY": 8_000}
    assert r.customers[0].customer == "acme"
    assert r.customers[0].expense_to_won == {}  # nothing won: no ratio
    travel = next(c for c in r.categories if c.category == "travel")
    assert travel.share == {"CNY": 1.0}
    assert r.reps[0].rep == "wang"
    before = e.expense_report(as_of=at("2026-03-03T00:00:00"))
    assert before.total.rejected == {"CNY": 50_000}
    assert r.from_ == dt.date(2026, 3, 1)


def test_bad_expenses_and_own_approvals_are_refused() -> None:
    e, _ = engine()
    d = dt.date(2026, 3, 2)
    with pytest.raises(sp.ValidationError, match="expense.category"):
        e.submit_expense("wang", sp.Expense("x", "acme", "wang", "yacht", cny("1"), d))
    with pytest.raises(sp.ValidationError, match="expense.amount"):
        e.submit_expense("wang", sp.Expense("x", "acme", "wang", "travel", cny("-1"), d))
    # li is the process's only approver, so li's submission could never be decided
    with pytest.raises(sp.ValidationError, match="own request"):
        e.submit_expense("li", sp.Expense("by-li", "acme", "wang", "travel", cny("1"), d))
    e.define_process(
        "admin",
        sp.ApprovalProcess("exp", "费用审批", [sp.ApprovalStep("Manager", ["li", "admin"])]),
    )
    e.submit_expense("li", sp.Expense("by-li", "acme", "wang", "travel", cny("1"), d))
    with pytest.raises(sp.PermissionDenied, match="own"):
        e.decide_expense("li", "by-li", "approve")
    e.submit_expense("wang", sp.Expense("w1", "acme", "wang", "travel", cny("1"), d))
    with pytest.raises(sp.ValidationError, match="comment"):
        e.decide_expense("li", "w1", "reject")
    assert [x.expense.id for x in e.expenses()] == ["by-li", "w1"]
    assert all(x.status == sp.ExpenseStatus.PENDING for x in e.expenses())


def test_the_report_over_plain_records() -> None:
    rows = [
        sp.ExpenseRow("a", "acme", "wang", "travel", cny("10"), sp.ExpenseStatus.APPROVED),
        sp.ExpenseRow("b", "acme", "wang", "gifts", sp.Money("3", "USD"), sp.ExpenseStatus.APPROVED),
    ]
    won = [sp.WonRow("acme", cny("100"), at("2026-03-02T00:00:00"))]
    r = sp.expense_report(rows, won)
    assert r.customers[0].expense_to_won == {"CNY": 0.1}
    assert r.total.approved == {"CNY": 1_000, "USD": 300}
    with pytest.raises(sp.ValidationError, match=r"rows\[0\].amount"):
        sp.expense_report(
            [sp.ExpenseRow("a", "acme", "wang", "travel", cny("0"), sp.ExpenseStatus.PENDING)]
        )
