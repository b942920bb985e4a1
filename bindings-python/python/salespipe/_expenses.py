"""Expenses per customer (费用控制): typed records over the core's JSON.

Every rule is the core's (``salespipe::expense``): expenses go through the approval processes
like quotes (nobody decides their own, a rejection needs a comment, a rejected or withdrawn
expense may be resubmitted); totals are per currency (ISO code → minor units), never summed
across currencies; ratios without a base are absent, never 0.
"""

# No ``from __future__ import annotations``: the decoder reads these hints as objects.
import dataclasses
import datetime as _dt
from typing import ClassVar, Dict, List, Optional, Tuple

from salespipe._frames import Tabular
from salespipe._records import ApprovalRequest, Money, Record, _StrEnum

__all__ = [
    "ExpenseStatus",
    "ExpenseCategory",
    "ExpenseSettings",
    "Expense",
    "ExpenseRecord",
    "ExpenseRow",
    "WonRow",
    "CustomerExpenses",
    "CategoryExpenses",
    "RepExpenses",
    "ExpenseTotals",
    "ExpenseReport",
]

_f = dataclasses.field


class ExpenseStatus(_StrEnum):
    """Where an expense stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


@dataclasses.dataclass(frozen=True)
class ExpenseCategory(Record):
    """A configured category; ``process`` overrides the settings' approval process."""

    id: str
    name: str
    process: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class ExpenseSettings(Record):
    """The expense categories and the approval process of expenses."""

    categories: List[ExpenseCategory]
    process: str


@dataclasses.dataclass(frozen=True)
class Expense(Record):
    """An expense record (费用): customer, optional opportunity, rep, category, amount, date."""

    id: str
    customer: str
    rep: str
    category: str
    amount: Money
    date: _dt.date
    opportunity: Optional[str] = None
    note: str = ""
    source: Optional[str] = None


@dataclasses.dataclass(frozen=True)
class ExpenseRecord(Record):
    """An expense and its approval request, as the engine folds them."""

    expense: Expense
    request: ApprovalRequest

    @property
    def status(self) -> ExpenseStatus:
        """Where it stands (a withdrawn request reads ``withdrawn``)."""
        s = str(self.request.status)
        if s in ("approved", "rejected", "pending"):
            return ExpenseStatus(s)
        return ExpenseStatus.WITHDRAWN


@dataclasses.dataclass(frozen=True)
class ExpenseRow(Record):
    """One expense for the report over plain records (:func:`salespipe.expense_report`)."""

    id: str
    customer: str
    rep: str
    category: str
    amount: Money
    status: ExpenseStatus
    date: Optional[_dt.date] = None


@dataclasses.dataclass(frozen=True)
class WonRow(Record):
    """A won deal's revenue, for the expense ÷ won revenue ratio."""

    customer: str
    amount: Money
    closed_at: _dt.datetime


@dataclasses.dataclass(frozen=True)
class ExpenseTotals(Record):
    """Totals by status, per currency (ISO code → minor units)."""

    approved: Dict[str, int] = _f(default_factory=dict)
    pending: Dict[str, int] = _f(default_factory=dict)
    rejected: Dict[str, int] = _f(default_factory=dict)
    withdrawn: Dict[str, int] = _f(default_factory=dict)
    count: int = 0


@dataclasses.dataclass(frozen=True)
class CustomerExpenses(Record):
    """One customer's expenses and their ratio to the customer's won revenue."""

    customer: str
    approved: Dict[str, int] = _f(default_factory=dict)
    pending: Dict[str, int] = _f(default_factory=dict)
    rejected: Dict[str, int] = _f(default_factory=dict)
    withdrawn: Dict[str, int] = _f(default_factory=dict)
    count: int = 0
    won: Dict[str, int] = _f(default_factory=dict)
    expense_to_won: Dict[str, float] = _f(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class CategoryExpenses(Record):
    """One category's expenses and its share of the company's approved total."""

    category: str
    approved: Dict[str, int] = _f(default_factory=dict)
    pending: Dict[str, int] = _f(default_factory=dict)
    rejected: Dict[str, int] = _f(default_factory=dict)
    withdrawn: Dict[str, int] = _f(default_factory=dict)
    count: int = 0
    share: Dict[str, float] = _f(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class RepExpenses(Record):
    """One rep's expenses."""

    rep: str
    approved: Dict[str, int] = _f(default_factory=dict)
    pending: Dict[str, int] = _f(default_factory=dict)
    rejected: Dict[str, int] = _f(default_factory=dict)
    withdrawn: Dict[str, int] = _f(default_factory=dict)
    count: int = 0


@dataclasses.dataclass(frozen=True)
class ExpenseReport(Record, Tabular):
    """Expenses by customer, category and rep over dates ``[from_, to)``, as of an instant.

    Tables (:meth:`to_frame`): ``"customers"``, ``"categories"``, ``"reps"`` (one row per
    thing and currency, minor units).
    """

    _frame_kind: ClassVar[str] = "expenses"
    _frame_tables: ClassVar[Tuple[str, ...]] = ("customers", "categories", "reps")

    _renames: ClassVar[Dict[str, str]] = {"from_": "from"}

    total: ExpenseTotals
    customers: List[CustomerExpenses]
    categories: List[CategoryExpenses]
    reps: List[RepExpenses]
    from_: Optional[_dt.date] = None
    to: Optional[_dt.date] = None
    as_of: Optional[_dt.datetime] = None
