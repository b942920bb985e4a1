"""Every exception class: raised by the engine for its error code, in one tree."""

from __future__ import annotations

from typing import Callable, Type

import pytest

import salespipe as sp
from salespipe import _salespipe

CLASSES: dict[str, Type[sp.SalespipeError]] = {
    "gate_not_met": sp.GateNotMet,
    "approval_pending": sp.ApprovalPending,
    "invalid_transition": sp.InvalidTransition,
    "not_found": sp.NotFound,
    "already_exists": sp.AlreadyExists,
    "conflict": sp.Conflict,
    "invalid_definition": sp.InvalidDefinition,
    "validation": sp.ValidationError,
    "money": sp.MoneyError,
    "permission_denied": sp.PermissionDenied,
    "unsupported_version": sp.UnsupportedVersion,
    "storage": sp.StorageError,
}


def test_one_class_per_core_code() -> None:
    assert set(sp.ERROR_CODES) == set(CLASSES)
    for code, cls in CLASSES.items():
        assert issubclass(cls, sp.SalespipeError)
        assert cls.code == code


@pytest.mark.parametrize("code", sorted(CLASSES))
def test_every_code_maps_to_its_class(code: str) -> None:
    with pytest.raises(CLASSES[code]) as info:
        _salespipe._raise_sample_error(code)
    assert info.value.code == code
    assert type(info.value) is CLASSES[code]
    assert str(info.value)


# The details of each sample error: the core's JSON of the error without its code.
DETAIL_KEYS: dict[str, set[str]] = {
    "gate_not_met": {"report"},
    "approval_pending": {"request", "message"},
    "invalid_transition": {"message"},
    "not_found": {"kind", "id", "field"},
    "already_exists": {"kind", "id"},
    "conflict": {"stream", "expected", "actual"},
    "invalid_definition": {"problems"},
    "validation": {"field", "message"},
    "money": {"message"},
    "permission_denied": {"actor", "action"},
    "unsupported_version": {"what", "found", "supported"},
    "storage": {"message"},
}


@pytest.mark.parametrize("code", sorted(CLASSES))
def test_details_are_the_core_fields_of_the_error(code: str) -> None:
    assert set(DETAIL_KEYS) == set(CLASSES)
    with pytest.raises(CLASSES[code]) as info:
        _salespipe._raise_sample_error(code)
    assert set(info.value.details) == DETAIL_KEYS[code]


def test_not_found_names_the_field_apart_from_the_id(engine: sp.Engine) -> None:
    with pytest.raises(sp.NotFound) as info:
        engine.opportunity("nope")
    assert info.value.details == {"kind": "opportunity", "id": "nope", "field": None}
    assert info.value.field is None
    assert str(info.value) == "opportunity nope not found"


def test_python_bases() -> None:
    assert issubclass(sp.ValidationError, ValueError)
    assert issubclass(sp.InvalidDefinition, ValueError)
    assert issubclass(sp.NotFound, LookupError)
    assert issubclass(sp.PermissionDenied, PermissionError)
    assert issubclass(sp.MoneyError, ArithmeticError)
    assert issubclass(sp.StorageError, OSError)


def _approval_engine(engine: sp.Engine) -> sp.Engine:
    engine.define_process(
        "admin",
        sp.ApprovalProcess("quote", "Quote approval", [sp.ApprovalStep("manager", ["li"])]),
    )
    engine.edit_pipeline(
        "admin",
        sp.Pipeline(
            "sales",
            "Sales",
            [
                sp.Stage("qualify", "识别潜在客户", 0.1, exit=[{"type": "approval", "process": "quote"}]),
                sp.Stage("demo", "产品演示", 0.3),
                sp.Stage("quote", "报价", 0.6),
            ],
        ),
    )
    return engine


REAL: dict[str, Callable[[sp.Engine], object]] = {
    "gate_not_met": lambda e: e.advance("wang", "opp-1", "demo"),
    "invalid_transition": lambda e: e.move_back("wang", "opp-1", "quote"),
    "not_found": lambda e: e.opportunity("nope"),
    "already_exists": lambda e: e.create_customer("wang", sp.Customer("acme", "Again")),
    "invalid_definition": lambda e: e.define_pipeline(
        "admin", sp.Pipeline("p2", "P2", [sp.Stage("a", "A", 0.1), sp.Stage("a", "A", 0.2)])
    ),
    "validation": lambda e: e.lose("wang", "opp-1", "   "),
    "money": lambda e: e.create_opportunity(
        "wang",
        sp.NewOpportunity(
            "opp-2",
            "sales",
            "acme",
            "wang",
            "Mixed",
            sp.Money("10", "CNY"),
            products=[sp.ProductLine("x", 1, sp.Money("5", "USD"))],
        ),
    ),
    "permission_denied": lambda e: e.define_pipeline(
        "wang", sp.Pipeline("p3", "P3", [sp.Stage("a", "A", 0.1)])
    ),
}


@pytest.mark.parametrize("code", sorted(REAL))
def test_the_engine_raises(engine: sp.Engine, code: str) -> None:
    before = len(engine.events_after())
    with pytest.raises(CLASSES[code]) as info:
        REAL[code](engine)
    assert info.value.code == code
    assert len(engine.events_after()) == before, "a refused command writes nothing"


def test_gate_not_met_carries_the_report(engine: sp.Engine) -> None:
    with pytest.raises(sp.GateNotMet) as info:
        engine.advance("wang", "opp-1", "demo")
    report = info.value.report
    assert isinstance(report, sp.GateReport)
    assert report == engine.check("opp-1", "demo")
    assert not report.is_met
    assert [i.requirement for i in report.missing] == [{"type": "checklist", "item": "budget"}]
    assert report.from_ == "qualify" and report.target == "demo"


def test_approval_pending(engine: sp.Engine) -> None:
    e = _approval_engine(engine)
    e.submit_approval("wang", "opp-1", "quote", "q-1")
    with pytest.raises(sp.ApprovalPending) as info:
        e.advance("wang", "opp-1", "demo")
    assert info.value.details["request"] == "q-1"
    with pytest.raises(sp.PermissionDenied):
        e.decide_approval("wang", "opp-1", "q-1", sp.Decision.APPROVE)
    e.decide_approval("li", "opp-1", "q-1", sp.Decision.APPROVE, "ok")
    e.advance("wang", "opp-1", "demo")
    assert e.timeline("opp-1")[-1].how is sp.TimelineKind.APPROVED


def test_invalid_definition_lists_problems(engine: sp.Engine) -> None:
    with pytest.raises(sp.InvalidDefinition) as info:
        sp.Pipeline("p", "P", [sp.Stage("a", "A", 1.5), sp.Stage("a", "A", 0.2)]).validate()
    assert len(info.value.problems) >= 2
    assert all({"path", "message"} <= set(p) for p in info.value.problems)


def test_validation_names_the_field(engine: sp.Engine) -> None:
    with pytest.raises(sp.ValidationError) as info:
        engine.force_advance("li", "opp-1", "demo", " ")
    assert info.value.field == "reason"


def test_unknown_command_fields_are_refused(engine: sp.Engine) -> None:
    with pytest.raises(sp.ValidationError):
        engine.execute("wang", {"type": "advance", "opportunity": "opp-1", "to": "demo", "x": 1})
    with pytest.raises(sp.ValidationError):
        engine.execute("wang", {"type": "fly"})
