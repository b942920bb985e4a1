"""salespipe: an embeddable sales-pipeline engine (Rust core) for Python.

>>> from datetime import datetime, timezone
>>> import salespipe as sp
>>> clock = sp.ManualClock(datetime(2026, 3, 2, 1, tzinfo=timezone.utc))
>>> engine = sp.Engine(clock=clock)

Every method is a thin call into the Rust core: commands are validated, turned into events
and appended atomically; queries return typed records (frozen dataclasses with ``__repr__``
and ``__eq__``, ``to_dict()`` giving the core's JSON). Times are timezone-aware ``datetime``\\ s
(naive ones are refused), money is :class:`Money` (Decimal or integer minor units, never
float), and every error is a :class:`SalespipeError` subclass with the core's ``.code``.
"""

from __future__ import annotations

import datetime as _dt
import os
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple, TypeVar, Union

from salespipe import _salespipe
from salespipe._records import (
    Activity,
    ApprovalDecision,
    ApprovalProcess,
    ApprovalRequest,
    ApprovalStatus,
    ApprovalStep,
    Competitor,
    CompetitorFigures,
    CompetitorOutcome,
    CompetitorReport,
    CompetitorRow,
    CompetitorStatus,
    Contact,
    Customer,
    CustomerKind,
    DailyFigures,
    DailyReport,
    Decision,
    FieldOp,
    ForecastCategory,
    GateItem,
    GateReport,
    Guidance,
    LeftOutRep,
    Money,
    NewOpportunity,
    Opportunity,
    Pipeline,
    ProductLine,
    Record,
    RangeReport,
    RecordedEvent,
    Reminder,
    ReminderKind,
    Role,
    Stage,
    StageLoss,
    Status,
    StepPolicy,
    Task,
    TeamDailyReport,
    TimelineEntry,
    TimelineKind,
    TimeWindow,
    User,
    _parse_datetime,
)
from salespipe._expenses import (
    CategoryExpenses,
    CustomerExpenses,
    Expense,
    ExpenseCategory,
    ExpenseRecord,
    ExpenseReport,
    ExpenseRow,
    ExpenseSettings,
    ExpenseStatus,
    ExpenseTotals,
    RepExpenses,
    WonRow,
)
from salespipe._sources import Source, SourceReport, SourceRow
from salespipe._targets import (
    AttainmentReport,
    AttainmentRow,
    DealOutcome,
    DealRow,
    DecompositionIssue,
    OtherCurrency,
    Target,
)
from salespipe._snapshots import (
    ActualRow,
    Comparison,
    FigureAccuracy,
    Figures,
    ForecastAccuracy,
    ForecastSnapshot,
    PushedDeal,
    PushRow,
    RepAccuracy,
    RepSnapshot,
)
from salespipe._analytics import (
    CalibrationReport,
    ForecastReport,
    FunnelMode,
    FunnelReport,
    calibration,
    forecast,
    funnel,
    funnel_both,
)
from salespipe._frames import Library, major_units
from salespipe._salespipe import ManualClock
from salespipe.exceptions import (
    AlreadyExists,
    ApprovalPending,
    Conflict,
    GateNotMet,
    InvalidDefinition,
    InvalidTransition,
    MoneyError,
    NotFound,
    PermissionDenied,
    SalespipeError,
    StorageError,
    UnsupportedVersion,
    ValidationError,
)

__version__: str = _salespipe.__version__

__all__ = [
    "Engine",
    "ManualClock",
    "ERROR_CODES",
    # analytics
    "FunnelMode",
    "FunnelReport",
    "ForecastReport",
    "CalibrationReport",
    "Library",
    "major_units",
    "funnel",
    "funnel_both",
    "forecast",
    "calibration",
    "competitor_report",
    # records
    "Activity",
    "ApprovalDecision",
    "ApprovalProcess",
    "ApprovalRequest",
    "ApprovalStep",
    "Competitor",
    "CompetitorFigures",
    "CompetitorReport",
    "CompetitorRow",
    "Contact",
    "Customer",
    "AttainmentReport",
    "Source",
    "SourceReport",
    "SourceRow",
    "CategoryExpenses",
    "CustomerExpenses",
    "Expense",
    "ExpenseCategory",
    "ExpenseRecord",
    "ExpenseReport",
    "ExpenseRow",
    "ExpenseSettings",
    "ExpenseStatus",
    "ExpenseTotals",
    "RepExpenses",
    "WonRow",
    "expense_report",
    "source_report",
    "AttainmentRow",
    "DealOutcome",
    "DealRow",
    "DecompositionIssue",
    "ForecastCategory",
    "OtherCurrency",
    "Target",
    "ActualRow",
    "Comparison",
    "FigureAccuracy",
    "Figures",
    "ForecastAccuracy",
    "ForecastSnapshot",
    "PushedDeal",
    "PushRow",
    "RepAccuracy",
    "RepSnapshot",
    "forecast_snapshot",
    "forecast_accuracy",
    "attainment",
    "DailyFigures",
    "DailyReport",
    "GateItem",
    "GateReport",
    "Guidance",
    "LeftOutRep",
    "Money",
    "NewOpportunity",
    "Opportunity",
    "Pipeline",
    "ProductLine",
    "RangeReport",
    "Record",
    "RecordedEvent",
    "Reminder",
    "Stage",
    "StageLoss",
    "Status",
    "Task",
    "TeamDailyReport",
    "TimelineEntry",
    "TimeWindow",
    "User",
    # enums
    "ApprovalStatus",
    "CompetitorOutcome",
    "CompetitorStatus",
    "CustomerKind",
    "Decision",
    "FieldOp",
    "ReminderKind",
    "Role",
    "StepPolicy",
    "TimelineKind",
    # exceptions
    "SalespipeError",
    "AlreadyExists",
    "ApprovalPending",
    "Conflict",
    "GateNotMet",
    "InvalidDefinition",
    "InvalidTransition",
    "MoneyError",
    "NotFound",
    "PermissionDenied",
    "StorageError",
    "UnsupportedVersion",
    "ValidationError",
]

#: The core's stable error codes, in order; each has an exception class.
ERROR_CODES: Tuple[str, ...] = tuple(_salespipe.error_codes())

_Input = Union[Record, Mapping[str, Any]]
_Window = Optional[Tuple[Optional[_dt.datetime], Optional[_dt.datetime]]]


class Engine:
    """The sales-pipeline engine.

    ``Engine()`` uses an in-memory store and the system clock; pass ``clock=ManualClock(...)``
    to control time and ``store="crm.sqlite"`` for the durable SQLite store (replayed when
    the file exists; several engines may share one file), or
    ``store="postgres://user@host/db?schema=tenant"`` for a PostgreSQL database that engines
    on several servers share. Every command names its ``actor``
    (a registered user id, or the bootstrap admin); a refused command raises and changes
    nothing.

    Every read goes through :meth:`query` (the core's ``Engine::query``). Asked as a user,
    it answers what the policy lets them see (a rep their own, a manager their subtree, an
    admin everything); the typed read methods are one-liners over it that read as the host
    (everything): the host's own code, or a host that does its own read control.
    """

    __slots__ = ("_inner",)

    def __init__(
        self,
        *,
        clock: Optional[ManualClock] = None,
        store: Union[str, "os.PathLike[str]", None] = None,
    ) -> None:
        self._inner = _salespipe.Engine(clock, store)

    def __repr__(self) -> str:
        return repr(self._inner)

    # ----- commands ---------------------------------------------------------------------

    def execute(self, actor: str, command: Mapping[str, Any]) -> List[RecordedEvent]:
        """Runs a command in the core's JSON form (``{"type": "advance", ...}``, the form
        of the conformance scenarios); returns the recorded events."""
        return [RecordedEvent.from_dict(e) for e in self._inner.execute(actor, command)]

    def _run(self, actor: str, type_: str, **fields: Any) -> None:
        cmd: Dict[str, Any] = {"type": type_}
        cmd.update({k: v for k, v in fields.items() if v is not None})
        self._inner.execute(actor, cmd)

    def define_pipeline(self, actor: str, pipeline: _Input) -> None:
        """Defines a pipeline (version 1)."""
        self._run(actor, "define_pipeline", pipeline=pipeline)

    def edit_pipeline(
        self, actor: str, pipeline: _Input, mapping: Optional[Mapping[str, str]] = None
    ) -> None:
        """Replaces a pipeline by a new version; ``mapping`` moves open opportunities out of
        removed stages (removed stage id → new stage id)."""
        self._run(actor, "edit_pipeline", pipeline=pipeline, mapping=dict(mapping or {}))

    def define_process(self, actor: str, process: _Input) -> None:
        """Defines or replaces an approval process."""
        self._run(actor, "define_process", process=process)

    def register_user(self, actor: str, user: _Input) -> None:
        """Registers or updates a user."""
        self._run(actor, "register_user", user=user)

    def create_customer(self, actor: str, customer: _Input) -> None:
        """Creates a customer (with its contacts)."""
        self._run(actor, "create_customer", customer=customer)

    def update_customer(self, actor: str, customer: _Input) -> None:
        """Updates a customer's details (its contacts are kept)."""
        self._run(actor, "update_customer", customer=customer)

    def add_contact(self, actor: str, customer: str, contact: _Input) -> None:
        """Adds a contact to a customer."""
        self._run(actor, "add_contact", customer=customer, contact=contact)

    def create_opportunity(self, actor: str, opportunity: _Input) -> None:
        """Creates an opportunity (a :class:`NewOpportunity` or its JSON)."""
        self._run(actor, "create_opportunity", opportunity=opportunity)

    def update_opportunity(
        self, actor: str, opportunity: str, patch: Mapping[str, Any]
    ) -> None:
        """Changes an opportunity's data: ``patch`` holds the fields to change (``name``,
        ``owner``, ``amount``, ``expected_close`` (a date or None to clear), ``source``,
        ``products``, ``competitors``, ``contacts``, ``fields``)."""
        self._inner.execute(
            actor, {"type": "update_opportunity", "opportunity": opportunity, "patch": dict(patch)}
        )

    def tick(self, actor: str, opportunity: str, item: str) -> None:
        """Ticks a checklist item."""
        self._run(actor, "tick", opportunity=opportunity, item=item)

    def untick(self, actor: str, opportunity: str, item: str) -> None:
        """Unticks a checklist item."""
        self._run(actor, "untick", opportunity=opportunity, item=item)

    def advance(self, actor: str, opportunity: str, to: str) -> None:
        """Advances through the gates to ``to`` (a later stage or ``"won"``); raises
        :class:`GateNotMet` with the report when requirements are missing."""
        self._run(actor, "advance", opportunity=opportunity, to=to)

    def force_advance(self, actor: str, opportunity: str, to: str, reason: str) -> None:
        """Advances over unmet requirements (a manager above the owner), with a reason."""
        self._run(actor, "force_advance", opportunity=opportunity, to=to, reason=reason)

    def move_back(
        self, actor: str, opportunity: str, to: str, reason: Optional[str] = None
    ) -> None:
        """Moves back to an earlier stage."""
        self._run(actor, "move_back", opportunity=opportunity, to=to, reason=reason)

    def win(self, actor: str, opportunity: str) -> None:
        """Wins the deal (through the gates of every remaining stage)."""
        self._run(actor, "win", opportunity=opportunity)

    def lose(
        self, actor: str, opportunity: str, reason: str, competitor: Optional[str] = None
    ) -> None:
        """Loses the deal for a configured reason, perhaps to a competitor."""
        self._run(actor, "lose", opportunity=opportunity, reason=reason, competitor=competitor)

    def reopen(
        self, actor: str, opportunity: str, reason: str, stage: Optional[str] = None
    ) -> None:
        """Reopens a won or lost deal into ``stage`` (default: its last stage)."""
        self._run(actor, "reopen", opportunity=opportunity, reason=reason, stage=stage)

    def submit_approval(self, actor: str, opportunity: str, process: str, request: str) -> None:
        """Submits an approval request (``request`` is the host's id for it)."""
        self._run(
            actor, "submit_approval", opportunity=opportunity, process=process, request=request
        )

    def decide_approval(
        self,
        actor: str,
        opportunity: str,
        request: str,
        decision: Union[Decision, str],
        comment: str = "",
    ) -> None:
        """Approves or rejects the current step of a request (a rejection needs a comment)."""
        self._run(
            actor,
            "decide_approval",
            opportunity=opportunity,
            request=request,
            decision=Decision(decision),
            comment=comment,
        )

    def withdraw_approval(self, actor: str, opportunity: str, request: str) -> None:
        """Withdraws a pending request."""
        self._run(actor, "withdraw_approval", opportunity=opportunity, request=request)

    def resubmit_approval(self, actor: str, opportunity: str, request: str) -> None:
        """Resubmits a rejected, withdrawn or lapsed request."""
        self._run(actor, "resubmit_approval", opportunity=opportunity, request=request)

    def log_activity(self, actor: str, activity: _Input) -> None:
        """Logs an activity."""
        self._run(actor, "log_activity", activity=activity)

    def create_task(self, actor: str, task: _Input) -> None:
        """Creates a task."""
        self._run(actor, "create_task", task=task)

    def complete_task(self, actor: str, task: str) -> None:
        """Marks a task done."""
        self._run(actor, "complete_task", task=task)

    def reopen_task(self, actor: str, task: str) -> None:
        """Reopens a done task."""
        self._run(actor, "reopen_task", task=task)

    def set_reminder_rules(self, actor: str, rules: Mapping[str, Any]) -> None:
        """Sets the reminder rules (the core's ``ReminderRules`` JSON: ``time_zone``,
        ``task_lead``, ``escalate_after``, ``key_cadence``, ``approval_sla``, ``stale``,
        ``quiet_hours``, ``pipelines``)."""
        self._run(actor, "set_reminder_rules", rules=dict(rules))

    def acknowledge(self, actor: str, reminder: str) -> None:
        """Acknowledges a reminder (seen; its escalation stays)."""
        self._run(actor, "acknowledge_reminder", reminder=reminder)

    def snooze(self, actor: str, reminder: str, until: _dt.datetime) -> None:
        """Snoozes a reminder until a later instant (tz-aware)."""
        self._run(actor, "snooze_reminder", reminder=reminder, until=until)

    def dismiss(self, actor: str, reminder: str) -> None:
        """Dismisses a reminder and its escalation."""
        self._run(actor, "dismiss_reminder", reminder=reminder)

    def set_target(self, actor: str, target: _Input) -> None:
        """Sets a revenue target (a :class:`Target` or its JSON), or replaces the one with
        the same id. Refused, with nothing written: a scope naming an unknown user, a
        negative revenue, a target overlapping another of the same scope and kind of period."""
        self._run(actor, "set_target", target=target)

    def remove_target(self, actor: str, target: str) -> None:
        """Removes a revenue target."""
        self._run(actor, "remove_target", target=target)

    def configure_sources(self, actor: str, sources: Iterable[_Input]) -> None:
        """Sets the list of sources (来源) opportunities and expenses may carry (replacing the
        previous list; deals keep the sources they have)."""
        self._run(actor, "configure_sources", sources=list(sources))

    def configure_expenses(self, actor: str, settings: _Input) -> None:
        """Sets the expense categories and the approval process of expenses."""
        self._run(actor, "configure_expenses", settings=settings)

    def submit_expense(self, actor: str, expense: _Input) -> None:
        """Submits an expense (an :class:`Expense` or its JSON) for approval. Refused, with
        nothing written: an unknown category, an amount not above zero, an unknown rep,
        customer or opportunity."""
        self._run(actor, "submit_expense", expense=expense)

    def decide_expense(
        self, actor: str, expense: str, decision: Union[Decision, str], comment: str = ""
    ) -> None:
        """Approves or rejects the current step of an expense (a rejection needs a comment;
        nobody decides their own)."""
        self._run(
            actor, "decide_expense", expense=expense, decision=Decision(decision), comment=comment
        )

    def withdraw_expense(self, actor: str, expense: str) -> None:
        """Withdraws a pending expense."""
        self._run(actor, "withdraw_expense", expense=expense)

    def resubmit_expense(
        self,
        actor: str,
        expense: str,
        amount: Optional[Money] = None,
        note: Optional[str] = None,
    ) -> None:
        """Resubmits a rejected or withdrawn expense, perhaps with a corrected amount or
        note; it starts again at step one."""
        self._run(actor, "resubmit_expense", expense=expense, amount=amount, note=note)

    def take_forecast_snapshot(
        self, actor: str, id: str, period: str, currency: Optional[str] = None
    ) -> None:
        """Freezes the forecast of ``period`` (``"2026-Q1"``, ``"2026-03"`` …) per rep, now,
        in the company time zone (the reminder rules') and ``currency`` (default: the one
        the period's targets share). Managers and admins only; refused, with nothing
        written, for an id already taken, a period that has ended, no currency."""
        self._run(actor, "take_forecast_snapshot", id=id, period=period, currency=currency)

    # ----- queries ----------------------------------------------------------------------

    def query(self, actor: Optional[str], query: Mapping[str, Any]) -> Any:
        """Answers a query in the core's JSON form (``{"type": "opportunity", "id": "o1"}``;
        every query takes an optional ``as_of``, an instant to ask as of; see the variants of
        ``salespipe::Query``) as ``actor``; returns the plain answer (dicts, lists, str, None:
        the core's JSON, the same in every binding). Values may be ``datetime`` (tz-aware)
        and ``date``. ``actor`` is a registered user, who sees what the policy lets them see
        (a record out of sight raises :class:`PermissionDenied`, a list leaves it out,
        the funnel counts the deals in sight; company-wide reports need an admin), or
        ``None``: the host, who reads everything, as the typed methods below do. A malformed query raises
        :class:`ValidationError` (field ``query``, the message naming the field or variant);
        a ``query`` that is not a mapping raises ``TypeError``."""
        if not isinstance(query, Mapping):
            kind = type(query).__name__
            raise TypeError(f"query must be a mapping (the core's JSON), not {kind}")
        return self._inner.query(actor, dict(query))

    def _q(self, type_: str, **fields: Any) -> Any:
        """A query as the host (``None`` fields left out)."""
        return self.query(None, _query(type_, fields))

    def now(self) -> _dt.datetime:
        """The engine's clock (tz-aware, UTC)."""
        return self._inner.now()

    def catch_up(self) -> None:
        """Folds in events other engines appended to a shared store."""
        self._inner.catch_up()

    def wait_for_events(self, timeout: float) -> int:
        """Waits up to ``timeout`` seconds for events other engines append to the shared
        store, folds them in and returns how many (0 when the time ran out). A PostgreSQL
        store is woken by ``LISTEN``/``NOTIFY``; other stores are polled. Call it in a loop
        on a thread of your own to keep projections current; it releases the GIL and does
        not block the engine's other users while it waits."""
        return self._inner.wait_for_events(timeout)

    def pipeline(self, id: str) -> Pipeline:
        """The current version of a pipeline."""
        return Pipeline.from_dict(self._q("pipeline", id=id))

    def pipeline_version(self, id: str, version: int) -> Pipeline:
        """A given version of a pipeline."""
        return Pipeline.from_dict(self._q("pipeline", id=id, version=version))

    def pipelines(self) -> List[Pipeline]:
        """Every pipeline (current versions), by id."""
        return [Pipeline.from_dict(p) for p in self._q("pipelines")]

    def process(self, id: str) -> ApprovalProcess:
        """An approval process."""
        return ApprovalProcess.from_dict(self._q("process", id=id))

    def processes(self) -> List[ApprovalProcess]:
        """Every approval process, by id."""
        return [ApprovalProcess.from_dict(p) for p in self._q("processes")]

    def users(self) -> List[User]:
        """Every user, by id."""
        return [User.from_dict(u) for u in self._q("users")]

    def customers(self) -> List[Customer]:
        """Every customer, by id."""
        return [Customer.from_dict(c) for c in self._q("customers")]

    def user(self, id: str) -> User:
        """A user."""
        return User.from_dict(self._q("user", id=id))

    def customer(self, id: str) -> Customer:
        """A customer."""
        return Customer.from_dict(self._q("customer", id=id))

    def opportunity(self, id: str) -> Opportunity:
        """An opportunity."""
        return Opportunity.from_dict(self._q("opportunity", id=id))

    def opportunities(self) -> List[Opportunity]:
        """Every opportunity, by id."""
        return [Opportunity.from_dict(o) for o in self._q("opportunities")]

    def opportunities_in_stage(self, pipeline: str, stage: str) -> List[Opportunity]:
        """Open opportunities in a stage of a pipeline, by id."""
        return [
            Opportunity.from_dict(o)
            for o in self._q("opportunities", pipeline=pipeline, stage=stage)
        ]

    def check(self, opportunity: str, target: str) -> GateReport:
        """What is met and missing to move an opportunity to ``target``."""
        return GateReport.from_dict(self._q("gate", id=opportunity, target=target))

    def timeline(self, opportunity: str) -> List[TimelineEntry]:
        """The stage changes of an opportunity, oldest first."""
        return [TimelineEntry.from_dict(t) for t in self._q("timeline", id=opportunity)]

    def stage_name(self, pipeline: str, version: int, stage: str) -> str:
        """The display name of a stage id in a pipeline version."""
        return str(self._q("stage_name", pipeline=pipeline, version=version, stage=stage))

    def activity(self, id: str) -> Activity:
        """An activity."""
        return Activity.from_dict(self._q("activity", id=id))

    def activities_for_customer(self, customer: str) -> List[Activity]:
        """The activities with a customer, oldest first."""
        return [Activity.from_dict(a) for a in self._q("activities", customer=customer)]

    def activities_for_opportunity(self, opportunity: str) -> List[Activity]:
        """The activities linked to an opportunity, oldest first."""
        return [Activity.from_dict(a) for a in self._q("activities", opportunity=opportunity)]

    def task(self, id: str) -> Task:
        """A task."""
        return Task.from_dict(self._q("task", id=id))

    def open_tasks(self, owner: Optional[str] = None) -> List[Task]:
        """Open tasks, optionally of one owner, by due time."""
        return [Task.from_dict(t) for t in self._q("open_tasks", owner=owner)]

    def opportunity_as_of(self, id: str, at: _dt.datetime) -> Opportunity:
        """The opportunity as it was at instant ``at`` (tz-aware)."""
        return Opportunity.from_dict(self._q("opportunity", id=id, as_of=at))

    def daily_report(self, rep: str, day: _dt.date, as_of: _dt.datetime) -> DailyReport:
        """The daily report (销售日报) of ``rep`` for the local ``day`` in the rep's time
        zone (the user's, else the reminder rules', else UTC), as of ``as_of`` (tz-aware)."""
        return DailyReport.from_dict(self._q("daily_report", rep=rep, day=day, as_of=as_of))

    def daily_range_report(
        self, rep: str, first: _dt.date, last: _dt.date, as_of: _dt.datetime
    ) -> RangeReport:
        """The daily reports of ``rep`` for the local days ``first`` to ``last`` and the
        figures of the whole range."""
        return RangeReport.from_dict(
            self._q("daily_range_report", rep=rep, first=first, last=last, as_of=as_of)
        )

    def daily_team_report(
        self, manager: str, day: _dt.date, as_of: _dt.datetime
    ) -> TeamDailyReport:
        """The daily report of everyone below ``manager`` in the reporting line, with totals."""
        return TeamDailyReport.from_dict(
            self._q("daily_team_report", manager=manager, day=day, as_of=as_of)
        )

    def targets(self) -> List[Target]:
        """Every target, by id."""
        return [Target.from_dict(t) for t in self._q("targets")]

    def attainment(
        self,
        period: str,
        *,
        as_of: Optional[_dt.datetime] = None,
        currency: Optional[str] = None,
        time_zone: Optional[str] = None,
    ) -> AttainmentReport:
        """Attainment of the company, every team and every rep for ``period``
        (``"2026-Q1"``, ``"2026-03"``, ``"2026"``, ``"2026-04-01..2027-04-01"``): as of
        ``as_of`` (tz-aware; default now), in ``currency`` (default: the period's targets'),
        with period edges in ``time_zone`` (default: the reminder rules')."""
        return AttainmentReport.from_dict(
            self._q(
                "attainment", period=period, as_of=as_of, currency=currency, time_zone=time_zone
            )
        )

    def sources(self) -> Optional[List[Source]]:
        """The configured sources, or None before any are configured."""
        raw = self._q("sources")
        return None if raw is None else [Source.from_dict(x) for x in raw]

    def source_report(
        self, pipeline: str, *, as_of: Optional[_dt.datetime] = None, window: _Window = None
    ) -> SourceReport:
        """The source report (来源统计) of ``pipeline``: the funnel grouped by source as of
        ``as_of`` (default now) over ``window`` (closing events in ``[from, to)``), with the
        approved expenses of each source and the cost per won deal."""
        start, end = window or (None, None)
        return SourceReport.from_dict(
            self._q(
                "source_report", pipeline=pipeline, as_of=as_of, window_from=start, window_to=end
            )
        )

    def expense(self, id: str) -> ExpenseRecord:
        """An expense and its approval request."""
        return ExpenseRecord.from_dict(self._q("expense", id=id))

    def expenses(self) -> List[ExpenseRecord]:
        """Every expense, by id."""
        return [ExpenseRecord.from_dict(x) for x in self._q("expenses")]

    def expense_report(
        self,
        *,
        from_: Optional[_dt.date] = None,
        to: Optional[_dt.date] = None,
        as_of: Optional[_dt.datetime] = None,
    ) -> ExpenseReport:
        """Expenses dated in ``[from_, to)`` by customer (÷ won revenue), category (share of
        the company's) and rep, as of ``as_of`` (default now)."""
        return ExpenseReport.from_dict(
            self._q("expense_report", **{"from": from_}, to=to, as_of=as_of)
        )

    def events_after(self, position: int = 0, limit: int = 1000) -> List[RecordedEvent]:
        """Recorded events after a global position, up to ``limit``."""
        return [RecordedEvent.from_dict(e) for e in self._q("events", after=position, limit=limit)]

    def events(self, batch: int = 4096) -> Iterable[RecordedEvent]:
        """Every recorded event, oldest first."""
        position = 0
        while True:
            page = self.events_after(position, batch)
            if not page:
                return
            yield from page
            position = page[-1].position

    def due(
        self, at: _dt.datetime, recipient: Optional[str] = None, limit: int = 100
    ) -> List[Reminder]:
        """The reminders due at ``at`` (tz-aware): all, or one recipient's (at most
        ``limit``), by due time then id. The engine runs no timers: ask, then schedule
        yourself with :meth:`next_due_after`."""
        return [
            Reminder.from_dict(r)
            for r in self._q("due", at=at, recipient=recipient, limit=limit)
        ]

    def upcoming(self, at: _dt.datetime, horizon: _dt.timedelta) -> List[Reminder]:
        """The reminders coming due after ``at`` and up to ``at + horizon``."""
        return [Reminder.from_dict(r) for r in self._q("upcoming", at=at, until=at + horizon)]

    def next_due_after(self, at: _dt.datetime) -> Optional[_dt.datetime]:
        """The next instant after ``at`` a reminder comes due, or None."""
        next_: Optional[str] = self._q("next_due_after", at=at)
        return None if next_ is None else _parse_datetime(next_)

    def reminder(self, id: str) -> Reminder:
        """A reminder (also when acknowledged or dismissed)."""
        return Reminder.from_dict(self._q("reminder", id=id))

    def reminder_rules(self) -> Dict[str, Any]:
        """The reminder rules in force (the core's JSON)."""
        rules: Dict[str, Any] = self._q("reminder_rules")
        return rules

    def funnel(
        self,
        pipeline: str,
        *,
        as_of: Optional[_dt.datetime] = None,
        window: _Window = None,
        mode: Union[FunnelMode, str] = FunnelMode.RECORDED,
        by: str = "owner",
        currency: Optional[str] = None,
    ) -> FunnelReport:
        """The funnel report over this engine's history of ``pipeline``, as of ``as_of``
        (default: the engine's clock), grouped by ``"owner"`` or ``"source"``. The engine
        reports each currency of the pipeline's deals apart: with one currency (the usual
        case) that section; with several, the section of ``currency`` (without it,
        :class:`ValidationError` on field ``currency`` naming the currencies present)."""
        w, m = _span(window), FunnelMode(mode)
        q = _query("funnel", dict(pipeline=pipeline, as_of=as_of, window=w, mode=m, by=by))
        return FunnelReport(_section(self._inner.funnel(None, q), currency))

    def forecast(
        self,
        pipeline: str,
        *,
        period: _Window = None,
        as_of: Optional[_dt.datetime] = None,
        currency: Optional[str] = None,
        probabilities: Optional[Mapping[str, Any]] = None,
        method: Optional[Mapping[str, Any]] = None,
    ) -> ForecastReport:
        """The forecast (as :func:`forecast`) of ``pipeline``'s deals open at ``as_of``
        (default now) expected to close in ``period``; one currency as in :meth:`funnel`."""
        q = dict(period=_span(period), as_of=as_of, probabilities=probabilities, method=method)
        sections = self._q("forecast", pipeline=pipeline, **q)
        return ForecastReport(_section(_pairs(sections), currency))

    def calibration(
        self,
        pipeline: str,
        *,
        window: _Window = None,
        as_of: Optional[_dt.datetime] = None,
        currency: Optional[str] = None,
    ) -> CalibrationReport:
        """The calibration (as :func:`calibration`) of ``pipeline``'s stage probabilities
        over this engine's history; one currency as in :meth:`funnel`."""
        q = self._q("calibration", pipeline=pipeline, window=_span(window), as_of=as_of)
        return CalibrationReport(_section(_pairs(q), currency))

    def competitor_report(
        self, as_of: Optional[_dt.datetime] = None, *, closed: _Window = None
    ) -> CompetitorReport:
        """The competitor report (竞争对手报告) of every deal, now (``as_of=None``) or as of a
        tz-aware instant; with ``closed=(from, to)``, won and lost deals count only when they
        closed in ``[from, to)`` (open deals always count). Definitions: the core's
        ``salespipe::competitor`` module docs."""
        start, end = closed or (None, None)
        return CompetitorReport.from_dict(
            self._q("competitor_report", as_of=as_of, closed_from=start, closed_to=end)
        )

    def forecast_snapshots(self) -> List[ForecastSnapshot]:
        """Every forecast snapshot, by id."""
        return [ForecastSnapshot.from_dict(s) for s in self._q("forecast_snapshots")]

    def forecast_snapshot(self, id: str) -> ForecastSnapshot:
        """A forecast snapshot by id (:class:`NotFound` if there is none)."""
        return ForecastSnapshot.from_dict(self._q("forecast_snapshot", id=id))

    def forecast_accuracy(self, as_of: Optional[_dt.datetime] = None) -> ForecastAccuracy:
        """Forecast accuracy now (``as_of=None``) or as of a tz-aware instant: every
        snapshot of a period ended by then against the rep's closed won of the period as
        of then; bias, mean absolute error and MAPE per rep and currency; pushed deals.
        Definitions: the core's ``salespipe::snapshot`` module docs."""
        return ForecastAccuracy.from_dict(self._q("forecast_accuracy", as_of=as_of))


_T = TypeVar("_T")


def _query(type_: str, fields: Mapping[str, Any]) -> Dict[str, Any]:
    """A query's JSON form, ``None`` fields left out (they are the core's defaults)."""
    return {"type": type_, **{k: v for k, v in fields.items() if v is not None}}


def _span(window: _Window) -> Optional[Dict[str, Any]]:
    """A ``(from, to)`` window as the core's ``{"from": ..., "to": ...}``."""
    return None if window is None else {"from": window[0], "to": window[1]}


def _pairs(sections: List[Dict[str, Any]]) -> List[Tuple[Optional[str], Any]]:
    return [(s["currency"], s["report"]) for s in sections]


def _section(sections: Iterable[Tuple[Optional[str], _T]], currency: Optional[str]) -> _T:
    """The report of one currency section: the only one, or the one of ``currency``. A
    pipeline without deals has one empty section, whatever ``currency`` asks for."""
    by_currency = dict(sections)
    if len(by_currency) == 1 and (currency is None or None in by_currency):
        return next(iter(by_currency.values()))
    if currency is not None and currency in by_currency:
        return by_currency[currency]
    present = ", ".join(str(c) for c in by_currency)
    message = (
        f"deals in several currencies ({present}): pass currency="
        if currency is None
        else f"no deals in {currency} (deals in: {present or 'none'})"
    )
    raise ValidationError(f"currency: {message}", {"field": "currency", "message": message})


def forecast_snapshot(
    id: str,
    users: Iterable[_Input],
    targets: Iterable[_Input],
    deals: Iterable[_Input],
    period: str,
    *,
    as_of: _dt.datetime,
    currency: Optional[str] = None,
    time_zone: str = "UTC",
) -> ForecastSnapshot:
    """A forecast snapshot over plain records, without an engine: the attainment of
    ``period`` as of ``as_of`` (the snapshot's instant) per rep, plus the distribution of
    each rep's open pipeline — the same computation as :meth:`Engine.take_forecast_snapshot`."""
    return ForecastSnapshot.from_dict(
        _salespipe.forecast_snapshot(
            id, list(users), list(targets), list(deals), period, as_of, currency, time_zone
        )
    )


def forecast_accuracy(
    snapshots: Iterable[_Input],
    actuals: Iterable[_Input],
    pushes: Iterable[_Input] = (),
    *,
    as_of: _dt.datetime,
) -> ForecastAccuracy:
    """Forecast accuracy over plain records: snapshots (:class:`ForecastSnapshot`), what
    each rep won per period (:class:`ActualRow`; every rep of every ended snapshot needs one)
    and push counts (:class:`PushRow`) — the same computation as
    :meth:`Engine.forecast_accuracy`. Bad rows raise :class:`ValidationError` (or
    :class:`MoneyError` for a currency mismatch) naming the field."""
    return ForecastAccuracy.from_dict(
        _salespipe.forecast_accuracy(list(snapshots), list(actuals), list(pushes), as_of)
    )


def competitor_report(
    rows: Iterable[Union[CompetitorRow, Mapping[str, Any]]],
    *,
    as_of: Optional[_dt.datetime] = None,
    closed: Optional[Tuple[Optional[_dt.datetime], Optional[_dt.datetime]]] = None,
) -> CompetitorReport:
    """The competitor report over host rows, one per (opportunity, competitor) pair, as
    :class:`CompetitorRow` records or the core's JSON dicts: the same computation as
    :meth:`Engine.competitor_report`. Bad rows raise :class:`ValidationError` naming
    ``rows[i].field``."""
    start, end = closed if closed is not None else (None, None)
    data = [r.to_dict() if isinstance(r, Record) else dict(r) for r in rows]
    return CompetitorReport.from_dict(
        _salespipe.competitor_report(data, as_of=as_of, closed_from=start, closed_to=end)
    )


def attainment(
    users: Iterable[_Input],
    targets: Iterable[_Input],
    deals: Iterable[_Input],
    period: str,
    *,
    as_of: Optional[_dt.datetime] = None,
    currency: Optional[str] = None,
    time_zone: str = "UTC",
) -> AttainmentReport:
    """Attainment over plain records, without an engine: ``users`` (:class:`User`, with
    their managers), ``targets`` (:class:`Target`), ``deals`` (:class:`DealRow`) — the same
    computation as :meth:`Engine.attainment`. ``as_of`` cuts off wins after it."""
    return AttainmentReport.from_dict(
        _salespipe.attainment(
            list(users), list(targets), list(deals), period, as_of, currency, time_zone
        )
    )


def expense_report(
    rows: Iterable[_Input],
    won: Iterable[_Input] = (),
    *,
    from_: Optional[_dt.date] = None,
    to: Optional[_dt.date] = None,
    as_of: Optional[_dt.datetime] = None,
) -> ExpenseReport:
    """The expense report over plain records (:class:`ExpenseRow`, and :class:`WonRow` for
    the customer ratio): the same computation as :meth:`Engine.expense_report`."""
    return ExpenseReport.from_dict(
        _salespipe.expense_report(list(rows), list(won), from_, to, as_of)
    )


def source_report(
    funnel: FunnelReport,
    costs: Optional[Mapping[str, Mapping[str, int]]] = None,
    sources: Iterable[_Input] = (),
) -> SourceReport:
    """The source report (来源统计) over plain columns: a :func:`funnel` report grouped by the
    source column, the approved costs per source (source → ISO currency → minor units) and
    the configured :class:`Source` list: the same computation as
    :meth:`Engine.source_report`."""
    return SourceReport.from_dict(
        _salespipe.source_report(
            funnel._inner, {k: dict(v) for k, v in (costs or {}).items()}, list(sources)
        )
    )
