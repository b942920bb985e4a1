"""Typed records mirroring the core's serde types.

A record built by the engine keeps the exact JSON the core produced (``to_dict()`` returns it),
so Python sees the same data as Rust, Node and Kotlin. A record built by the caller (an input
such as :class:`User` or :class:`Activity`) is turned into that JSON by the extension module,
which also checks time zones and refuses floats as money.

Conversions only: every rule about these records lives in the Rust core.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import enum
import sys
import typing
from decimal import Decimal
from typing import Any, ClassVar, Dict, List, Mapping, Optional, Tuple, Type, TypeVar, Union

from salespipe import _salespipe
from salespipe._frames import Tabular

__all__ = [
    "Money",
    "Role",
    "CustomerKind",
    "StepPolicy",
    "Decision",
    "ApprovalStatus",
    "CompetitorStatus",
    "ForecastCategory",
    "TimelineKind",
    "FieldOp",
    "Record",
    "Contact",
    "Customer",
    "User",
    "Guidance",
    "Stage",
    "Pipeline",
    "ApprovalStep",
    "ApprovalProcess",
    "ApprovalDecision",
    "ApprovalRequest",
    "ProductLine",
    "Competitor",
    "Status",
    "Opportunity",
    "NewOpportunity",
    "Activity",
    "Task",
    "GateItem",
    "GateReport",
    "TimelineEntry",
    "RecordedEvent",
    "ReminderKind",
    "Reminder",
]

R = TypeVar("R", bound="Record")


# ----- money ------------------------------------------------------------------------------


class Money:
    """An amount of money: integer minor units of an ISO 4217 currency.

    ``Money(Decimal("1234.50"), "CNY")`` or ``Money("1234.50", "CNY")`` give a decimal amount
    (more decimals than the currency has is an error, never a rounding);
    ``Money.from_minor(123450, "CNY")`` gives minor units. Floats are refused: they cannot
    hold cents exactly.
    """

    __slots__ = ("minor", "currency")

    minor: int
    currency: str

    def __init__(self, amount: Union[Decimal, str], currency: str) -> None:
        if isinstance(amount, bool) or not isinstance(amount, (Decimal, str)):
            if isinstance(amount, float):
                raise TypeError(
                    "money cannot be a float (it cannot hold cents exactly): "
                    "pass a Decimal or a str, or Money.from_minor(int, currency)"
                )
            if isinstance(amount, int):
                raise TypeError(
                    "Money(amount, currency) takes a decimal amount (Decimal or str); "
                    "for integer minor units use Money.from_minor(int, currency)"
                )
            raise TypeError(f"money amount must be a Decimal or a str, not {type(amount).__name__}")
        text = format(amount, "f") if isinstance(amount, Decimal) else amount
        object.__setattr__(self, "minor", _salespipe.money_parse(text, currency))
        object.__setattr__(self, "currency", _salespipe.currency_code(currency))

    @classmethod
    def from_minor(cls, minor: int, currency: str) -> Money:
        """``minor`` minor units (cents, fen ...) of ``currency``."""
        if isinstance(minor, bool) or not isinstance(minor, int):
            raise TypeError(
                f"minor units must be an int, not {type(minor).__name__}"
                + (" (floats cannot hold cents exactly)" if isinstance(minor, float) else "")
            )
        m = cls.__new__(cls)
        object.__setattr__(m, "minor", minor)
        object.__setattr__(m, "currency", _salespipe.currency_code(currency))
        # Range check by the core (i64).
        _salespipe.money_format(minor, m.currency)
        return m

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Money:
        """From the core's JSON ``{"minor": 123450, "currency": "CNY"}``."""
        return cls.from_minor(int(d["minor"]), str(d["currency"]))

    @property
    def amount(self) -> Decimal:
        """The decimal amount (``Decimal("1234.50")``)."""
        return Decimal(_salespipe.money_format(self.minor, self.currency))

    def to_dict(self) -> Dict[str, Any]:
        """The core's JSON form."""
        return {"minor": self.minor, "currency": self.currency}

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Money is immutable")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Money):
            return NotImplemented
        return (self.minor, self.currency) == (other.minor, other.currency)

    def __hash__(self) -> int:
        return hash((self.minor, self.currency))

    def __repr__(self) -> str:
        return f"Money({_salespipe.money_format(self.minor, self.currency)!r}, {self.currency!r})"

    def __str__(self) -> str:
        return f"{_salespipe.money_format(self.minor, self.currency)} {self.currency}"


# ----- enums ------------------------------------------------------------------------------


class _StrEnum(str, enum.Enum):
    def __str__(self) -> str:
        return str(self.value)


class ForecastCategory(_StrEnum):
    """How an open deal is judged apart from its stage's probability."""

    PIPELINE = "pipeline"
    BEST_CASE = "best_case"
    COMMIT = "commit"
    OMITTED = "omitted"


class Role(_StrEnum):
    """A user's role."""

    REP = "rep"
    MANAGER = "manager"
    ADMIN = "admin"


class CustomerKind(_StrEnum):
    """Business or consumer customer."""

    B2B = "b2b"
    B2C = "b2c"


class StepPolicy(_StrEnum):
    """Whether any or all approvers of a step must approve."""

    ANY = "any"
    ALL = "all"


class Decision(_StrEnum):
    """An approver's decision."""

    APPROVE = "approve"
    REJECT = "reject"


class ApprovalStatus(_StrEnum):
    """Where an approval request stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    INVALIDATED = "invalidated"


class CompetitorStatus(_StrEnum):
    """A competitor's standing in a deal."""

    ACTIVE = "active"
    ELIMINATED = "eliminated"
    WON = "won"


class TimelineKind(_StrEnum):
    """How an opportunity changed stage."""

    CREATED = "created"
    SIMPLE = "simple"
    SUB_GOAL = "sub_goal"
    APPROVED = "approved"
    FORCED = "forced"
    BACK = "back"
    LOST = "lost"
    REOPENED = "reopened"
    REMAPPED = "remapped"


class ReminderKind(_StrEnum):
    """What a reminder is about."""

    FOLLOW_UP = "follow_up"
    TASK_DUE_SOON = "task_due_soon"
    TASK_OVERDUE = "task_overdue"
    STALE = "stale"
    CLOSE_DATE_PASSED = "close_date_passed"
    KEY_CUSTOMER_CADENCE = "key_customer_cadence"
    APPROVAL_WAITING = "approval_waiting"


class FieldOp(_StrEnum):
    """Comparison of a field requirement."""

    PRESENT = "present"
    EQ = "eq"
    NE = "ne"
    GT = "gt"
    GE = "ge"
    LT = "lt"
    LE = "le"


# ----- JSON → Python ----------------------------------------------------------------------


def _parse_datetime(s: str) -> _dt.datetime:
    if s.endswith("Z"):
        s = s[:-1] + "+00:00"
    return _dt.datetime.fromisoformat(s).astimezone(_dt.timezone.utc)


# Decoding is lenient: a key of the core's JSON that a record has no field for is left out
# of the record (it stays in ``to_dict()``), and an enum value it does not know stays a
# string, so a newer core never breaks a program. The binding's own tests set ``_STRICT``
# (tests/conftest.py): there, either fails the test, so a field the core adds cannot vanish
# from the records unnoticed.
_STRICT = False


class _UnknownInJson(TypeError):
    """Strict decoding met a key or an enum value the records do not know."""


def _decode(tp: Any, v: Any) -> Any:
    if v is None:
        return None
    origin = typing.get_origin(tp)
    if origin is Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _decode(args[0], v) if len(args) == 1 else v
    if origin in (list, List):
        (item,) = typing.get_args(tp)
        return [_decode(item, x) for x in v]
    if origin in (dict, Dict):
        _, item = typing.get_args(tp)
        return {k: _decode(item, x) for k, x in v.items()}
    if tp is _dt.datetime:
        return _parse_datetime(v)
    if tp is _dt.date:
        return _dt.date.fromisoformat(v)
    if tp is _dt.timedelta:
        return _salespipe.parse_duration(v)
    if tp is Money:
        return Money.from_dict(v)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(v)
        except ValueError:  # a kind added to the core after this binding: keep the string
            if _STRICT:
                raise _UnknownInJson(f"{tp.__name__} has no value {v!r}") from None
            return v
    if isinstance(tp, type) and issubclass(tp, Record):
        return tp.from_dict(v)
    return v


_HINTS: Dict[type, Dict[str, Any]] = {}


def _hints(cls: type) -> Dict[str, Any]:
    h = _HINTS.get(cls)
    if h is None:
        h = typing.get_type_hints(cls, vars(sys.modules[__name__]))
        _HINTS[cls] = h
    return h


class Record:
    """Base of the typed records: ``from_dict`` (core JSON in), ``to_dict`` (core JSON out).

    Subclasses are frozen dataclasses, so they have ``__repr__`` and ``__eq__``.
    """

    # Python attribute name → JSON key, where they differ (``from`` is a keyword).
    _renames: ClassVar[Dict[str, str]] = {}

    @classmethod
    def from_dict(cls: Type[R], d: Mapping[str, Any]) -> R:
        """A record from the core's JSON."""
        hints = _hints(cls)
        kwargs: Dict[str, Any] = {}
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        for f in fields:
            key = cls._renames.get(f.name, f.name)
            if key in d:
                kwargs[f.name] = _decode(hints[f.name], d[key])
        if _STRICT and len(kwargs) < len(d):
            unknown = sorted(set(d) - {cls._renames.get(f.name, f.name) for f in fields})
            if unknown:
                raise _UnknownInJson(f"{cls.__name__} has no field for the core's {unknown}")
        obj = cls(**kwargs)
        object.__setattr__(obj, "_json", dict(d))
        return obj

    def to_dict(self) -> Dict[str, Any]:
        """The core's JSON form (exactly what the core produced, for records it produced)."""
        raw: Optional[Dict[str, Any]] = getattr(self, "_json", None)
        if raw is not None:
            return dict(raw)
        out: Dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if v is not None:
                out[self._renames.get(f.name, f.name)] = v
        result: Dict[str, Any] = _salespipe.to_json(out, type(self).__name__.lower())
        return result


_f = dataclasses.field


# ----- customers and users ----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Contact(Record):
    """A person at a customer."""

    id: str
    name: str
    title: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Customer(Record):
    """A customer (B2B or B2C), with its contacts and follow-up cadence."""

    id: str
    name: str
    kind: CustomerKind = CustomerKind.B2B
    owner: Optional[str] = None
    key: bool = False
    cadence: Optional[_dt.timedelta] = None
    contacts: List[Contact] = _f(default_factory=list)


@dataclasses.dataclass(frozen=True)
class User(Record):
    """A user: rep, manager or admin, perhaps managed by another user."""

    id: str
    name: str
    role: Role = Role.REP
    manager: Optional[str] = None
    time_zone: Optional[str] = None


# ----- pipelines and approvals ------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Guidance(Record):
    """Reference material shown in a stage."""

    title: str
    url: Optional[str] = None
    text: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Stage(Record):
    """An open stage: probability, rotting limit, guidance and exit requirements.

    ``exit`` holds the core's requirement JSON, e.g. ``{"type": "checklist", "item": "budget"}``,
    ``{"type": "field", "field": "amount", "op": "gt", "value": {"money": {...}}}``,
    ``{"type": "activity", "kind": "demo"}``, ``{"type": "approval", "process": "quote"}``.
    """

    id: str
    name: str
    probability: float
    rotting_after: Optional[_dt.timedelta] = None
    guidance: List[Guidance] = _f(default_factory=list)
    exit: List[Dict[str, Any]] = _f(default_factory=list)
    forecast_category: Optional[ForecastCategory] = None


@dataclasses.dataclass(frozen=True)
class Pipeline(Record):
    """A pipeline: ordered open stages, then ``won`` / ``lost``."""

    id: str
    name: str
    stages: List[Stage]
    version: int = 1
    lost_reasons: List[str] = _f(default_factory=list)
    allow_skip: bool = False

    @classmethod
    def from_json(cls, text: str) -> Pipeline:
        """Parses and validates a pipeline from JSON text."""
        return cls.from_dict(_salespipe.pipeline_from_json(text))

    @classmethod
    def from_toml(cls, text: str) -> Pipeline:
        """Parses and validates a pipeline from TOML text."""
        return cls.from_dict(_salespipe.pipeline_from_toml(text))

    def validate(self) -> Pipeline:
        """Checks the definition (raises ``InvalidDefinition`` listing every problem)."""
        return Pipeline.from_dict(_salespipe.validate_pipeline(self.to_dict()))


@dataclasses.dataclass(frozen=True)
class ApprovalStep(Record):
    """One step of an approval process."""

    name: str
    approvers: List[str]
    policy: StepPolicy = StepPolicy.ANY


@dataclasses.dataclass(frozen=True)
class ApprovalProcess(Record):
    """An approval process (quote approval, contract approval ...)."""

    id: str
    name: str
    steps: List[ApprovalStep]
    invalidate_on_change: bool = True
    sla: Optional[_dt.timedelta] = None


@dataclasses.dataclass(frozen=True)
class ApprovalDecision(Record):
    """One approver's decision on a step."""

    round: int
    step: int
    approver: str
    decision: Decision
    comment: str
    at: _dt.datetime


@dataclasses.dataclass(frozen=True)
class ApprovalRequest(Record):
    """An approval request on an opportunity."""

    id: str
    process: str
    submitted_by: str
    submitted_at: _dt.datetime
    round: int
    step: int
    step_since: _dt.datetime
    status: ApprovalStatus
    decisions: List[ApprovalDecision] = _f(default_factory=list)


# ----- opportunities ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ProductLine(Record):
    """A quoted product."""

    product: str
    quantity: int
    unit_price: Money
    discount_bp: int = 0


@dataclasses.dataclass(frozen=True)
class Competitor(Record):
    """A competitor in a deal."""

    name: str
    strengths: str = ""
    weaknesses: str = ""
    status: CompetitorStatus = CompetitorStatus.ACTIVE


@dataclasses.dataclass(frozen=True)
class Status(Record):
    """``open``, ``won`` or ``lost`` (with its reason and perhaps the competitor)."""

    state: str
    reason: Optional[str] = None
    competitor: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class Opportunity(Record):
    """A sales opportunity as the engine knows it."""

    id: str
    pipeline: str
    customer: str
    owner: str
    name: str
    amount: Money
    amount_from_products: bool
    expected_close: Optional[_dt.date]
    close_date_pushes: int
    source: Optional[str]
    products: List[ProductLine]
    competitors: List[Competitor]
    contacts: List[str]
    fields: Dict[str, Any]
    checklist: List[str]
    stage: str
    stage_entered_at: _dt.datetime
    status: Status
    closed_at: Optional[_dt.datetime]
    created_at: _dt.datetime
    approvals: List[ApprovalRequest]
    version: int
    forecast_category: Optional[ForecastCategory] = None

    @property
    def is_open(self) -> bool:
        """True while neither won nor lost."""
        return self.status.state == "open"


@dataclasses.dataclass(frozen=True)
class NewOpportunity(Record):
    """The input of ``Engine.create_opportunity``."""

    id: str
    pipeline: str
    customer: str
    owner: str
    name: str
    amount: Money
    amount_from_products: bool = False
    expected_close: Optional[_dt.date] = None
    source: Optional[str] = None
    stage: Optional[str] = None
    products: List[ProductLine] = _f(default_factory=list)
    competitors: List[Competitor] = _f(default_factory=list)
    contacts: List[str] = _f(default_factory=list)
    fields: Dict[str, Any] = _f(default_factory=dict)
    forecast_category: Optional[ForecastCategory] = None


# ----- activities and tasks ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Activity(Record):
    """Something that happened with a customer (call, visit, demo ...)."""

    id: str
    kind: str
    customer: str
    at: _dt.datetime
    actor: Optional[str] = None
    contact: Optional[str] = None
    opportunity: Optional[str] = None
    notes: str = ""
    next_follow_up: Optional[_dt.datetime] = None


@dataclasses.dataclass(frozen=True)
class Task(Record):
    """A task with an owner and a due time."""

    id: str
    title: str
    owner: str
    due: _dt.datetime
    customer: Optional[str] = None
    opportunity: Optional[str] = None
    done: bool = False
    done_at: Optional[_dt.datetime] = None


# ----- reports ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class GateItem(Record):
    """One requirement of one stage between here and the target, met or not."""

    stage: str
    stage_name: str
    requirement: Dict[str, Any]
    met: bool
    reason: str


@dataclasses.dataclass(frozen=True)
class GateReport(Record):
    """What is met and what is missing to move an opportunity to ``target``."""

    _renames: ClassVar[Dict[str, str]] = {"from_": "from"}

    opportunity: str
    from_: str
    target: str
    items: List[GateItem]

    @property
    def is_met(self) -> bool:
        """True when every requirement is met."""
        return all(i.met for i in self.items)

    @property
    def missing(self) -> List[GateItem]:
        """The unmet requirements."""
        return [i for i in self.items if not i.met]


@dataclasses.dataclass(frozen=True)
class TimelineEntry(Record):
    """One stage change: who, when, how and why."""

    _renames: ClassVar[Dict[str, str]] = {"from_": "from"}

    at: _dt.datetime
    actor: str
    to: str
    how: TimelineKind
    pipeline_version: int
    from_: Optional[str] = None
    reason: Optional[str] = None
    competitor: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class DailyFigures(Record):
    """The figures of a rep's day (or range of days). Money maps are ISO currency → minor
    units (integers, never summed across currencies); weighted amounts are minor units."""

    new_customers: int = 0
    new_contacts: int = 0
    new_opportunities: int = 0
    new_opportunity_amount: Dict[str, int] = _f(default_factory=dict)
    advances: int = 0
    moves_back: int = 0
    weighted_before: Dict[str, float] = _f(default_factory=dict)
    weighted_after: Dict[str, float] = _f(default_factory=dict)
    weighted_change: Dict[str, float] = _f(default_factory=dict)
    won: int = 0
    won_amount: Dict[str, int] = _f(default_factory=dict)
    lost: int = 0
    lost_amount: Dict[str, int] = _f(default_factory=dict)
    activities: Dict[str, int] = _f(default_factory=dict)
    tasks_completed: int = 0
    tasks_overdue: int = 0
    follow_ups_next_day: int = 0


@dataclasses.dataclass(frozen=True)
class DailyReport(Record):
    """A rep's daily report (销售日报) for one local day, ``[from_, to)`` in UTC."""

    _renames: ClassVar[Dict[str, str]] = {"from_": "from"}

    rep: str
    day: _dt.date
    time_zone: str
    from_: _dt.datetime
    to: _dt.datetime
    as_of: _dt.datetime
    figures: DailyFigures


@dataclasses.dataclass(frozen=True)
class RangeReport(Record, Tabular):
    """A rep's daily reports for the local days ``first`` to ``last`` and the range's total.

    Tables (:meth:`to_frame`): ``"days"`` (the counts of each day), ``"amounts"`` (money
    per day and currency, minor units), ``"activities"`` (per day and kind).
    """

    _frame_kind: ClassVar[str] = "range"
    _frame_tables: ClassVar[Tuple[str, ...]] = ("days", "amounts", "activities")

    _renames: ClassVar[Dict[str, str]] = {"from_": "from"}

    rep: str
    first: _dt.date
    last: _dt.date
    time_zone: str
    from_: _dt.datetime
    to: _dt.datetime
    as_of: _dt.datetime
    days: List[DailyReport]
    total: DailyFigures


@dataclasses.dataclass(frozen=True)
class LeftOutRep(Record):
    """A rep left out of a team's daily report, and why (the core's error text)."""

    rep: str
    reason: str


@dataclasses.dataclass(frozen=True)
class TeamDailyReport(Record, Tabular):
    """A manager's team for one day: a report per rep (each in their own zone) and totals.

    ``left_out`` lists the reps whose row could not be made (say, a time zone stored before
    the engine checked it); the rest of the report stands.

    Tables (:meth:`to_frame`): ``"reps"`` (each rep's counts), ``"amounts"`` (money per
    rep and currency, minor units), ``"activities"`` (per rep and kind).
    """

    _frame_kind: ClassVar[str] = "team_daily"
    _frame_tables: ClassVar[Tuple[str, ...]] = ("reps", "amounts", "activities")

    day: _dt.date
    as_of: _dt.datetime
    rows: List[DailyReport]
    totals: DailyFigures
    team: Optional[str] = None
    left_out: List[LeftOutRep] = dataclasses.field(default_factory=list)


@dataclasses.dataclass(frozen=True)
class RecordedEvent(Record):
    """An event as stored: position, stream, version, time, actor and the event's JSON."""

    position: int
    stream: str
    version: int
    at: _dt.datetime
    actor: str
    event: Dict[str, Any]
    schema: int = 1


@dataclasses.dataclass(frozen=True)
class Reminder(Record):
    """A reminder, derived from the history (never stored as truth): who should do what, when."""

    id: str
    kind: ReminderKind
    recipient: str
    due: _dt.datetime
    escalated_from: Optional[str] = None
    until: Optional[_dt.datetime] = None
    opportunity: Optional[str] = None
    customer: Optional[str] = None
    task: Optional[str] = None
    activity: Optional[str] = None
    request: Optional[str] = None


# ----- competitor report ------------------------------------------------------------------


class CompetitorOutcome(_StrEnum):
    """How a deal stands against one competitor met on it."""

    OPEN = "open"
    WON = "won"
    LOST_TO = "lost_to"
    LOST_OTHER = "lost_other"


@dataclasses.dataclass(frozen=True)
class CompetitorRow(Record):
    """One (opportunity, competitor) pair, the input of :func:`salespipe.competitor_report`.

    ``closed_at`` is required for won and lost deals (absent for open ones), ``lost_from``
    (the stage a lost deal was lost from) for ``LOST_TO`` rows.
    """

    opportunity: str
    competitor: str
    amount: Money
    outcome: CompetitorOutcome
    lost_from: Optional[str] = None
    closed_at: Optional[_dt.datetime] = None


@dataclasses.dataclass(frozen=True)
class TimeWindow(Record):
    """``[from_, to)`` in UTC; an absent bound is unbounded."""

    _renames: ClassVar[Dict[str, str]] = {"from_": "from"}

    from_: Optional[_dt.datetime] = None
    to: Optional[_dt.datetime] = None


@dataclasses.dataclass(frozen=True)
class StageLoss(Record):
    """The deals lost to a competitor from one stage: count and amounts per currency."""

    lost: int = 0
    amount: Dict[str, int] = _f(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class CompetitorFigures(Record):
    """One competitor's figures. Money maps are ISO currency → minor units (never summed
    across currencies); rates are ``None`` (never 0) when no deal is in the denominator."""

    competitor: str
    met: int = 0
    open: int = 0
    won: int = 0
    lost_to: int = 0
    lost_other: int = 0
    win_rate: Optional[float] = None
    head_to_head_win_rate: Optional[float] = None
    open_amount: Dict[str, int] = _f(default_factory=dict)
    won_amount: Dict[str, int] = _f(default_factory=dict)
    lost_to_amount: Dict[str, int] = _f(default_factory=dict)
    lost_other_amount: Dict[str, int] = _f(default_factory=dict)
    lost_at_stage: Dict[str, StageLoss] = _f(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class CompetitorReport(Record, Tabular):
    """The competitor report (竞争对手报告): one entry per competitor, sorted by name.

    Tables (:meth:`to_frame`): ``"competitors"`` (counts and win rates),
    ``"amounts"`` (per competitor and currency, minor units), ``"stages"`` (deals lost
    to each competitor per stage).
    """

    _frame_kind: ClassVar[str] = "competitors"
    _frame_tables: ClassVar[Tuple[str, ...]] = ("competitors", "amounts", "stages")

    closed: TimeWindow = _f(default_factory=TimeWindow)
    deals: int = 0
    competitors: List[CompetitorFigures] = _f(default_factory=list)
    as_of: Optional[_dt.datetime] = None

    def get(self, competitor: str) -> Optional[CompetitorFigures]:
        """The figures of one competitor, by exact name."""
        return next((c for c in self.competitors if c.competitor == competitor), None)
