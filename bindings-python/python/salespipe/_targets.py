"""Revenue targets (销售目标) and attainment: typed records over the core's JSON.

The definitions of every figure are the core's (``salespipe::target``): closed won counts by
the local date of the closing instant in the report's time zone; open pipeline is the open
deals expected to close in the period, without the ``omitted`` ones; coverage is open
pipeline ÷ the gap still to close (above 1: more pipeline than what is missing); ratios
without a base are ``None``, never 0. Amounts are :class:`Money` in the report's currency;
deals in other currencies are kept apart in ``other_currencies`` (ISO code → minor units).
"""

# No ``from __future__ import annotations`` here: the records' field types are resolved
# from these objects directly (the decoder reads the hints).
import dataclasses
import datetime as _dt
from typing import ClassVar, Dict, List, Optional, Tuple

from salespipe._frames import Tabular
from salespipe._records import ForecastCategory, Money, Record, _StrEnum

__all__ = [
    "DealOutcome",
    "Target",
    "DealRow",
    "OtherCurrency",
    "AttainmentRow",
    "DecompositionIssue",
    "AttainmentReport",
]

_f = dataclasses.field


class DealOutcome(_StrEnum):
    """Open, won or lost, for a :class:`DealRow`."""

    OPEN = "open"
    WON = "won"
    LOST = "lost"


@dataclasses.dataclass(frozen=True)
class Target(Record):
    """A revenue target (and optionally a deal count) of a scope over a period.

    ``scope``: ``"company"``, ``"team:<manager>"`` or ``"rep:<user>"``; ``period``:
    ``"2026-03"``, ``"2026-Q1"``, ``"2026"`` or ``"2026-04-01..2027-04-01"`` (end exclusive).
    Setting a target with an existing id replaces it.
    """

    id: str
    scope: str
    period: str
    revenue: Money
    deals: Optional[int] = None


@dataclasses.dataclass(frozen=True)
class DealRow(Record):
    """One deal for attainment over plain records (:func:`salespipe.attainment`)."""

    owner: str
    amount: Money
    outcome: DealOutcome
    closed_at: Optional[_dt.datetime] = None
    expected_close: Optional[_dt.date] = None
    probability: float = 0.0
    category: ForecastCategory = ForecastCategory.PIPELINE


@dataclasses.dataclass(frozen=True)
class OtherCurrency(Record):
    """Won and open amounts (minor units) of deals in a currency other than the report's."""

    closed_won: int = 0
    open_pipeline: int = 0


@dataclasses.dataclass(frozen=True)
class AttainmentRow(Record):
    """The attainment of one scope for the period."""

    scope: str
    name: str
    closed_won: Money
    deals_won: int
    open_pipeline: Money
    open_deals: int
    weighted_pipeline: float
    commit: Money
    best_case: Money
    omitted: Money
    open_without_close_date: int
    parent: Optional[str] = None
    target_id: Optional[str] = None
    target: Optional[Money] = None
    target_deals: Optional[int] = None
    attainment: Optional[float] = None
    deal_attainment: Optional[float] = None
    commit_attainment: Optional[float] = None
    gap: Optional[Money] = None
    coverage: Optional[float] = None
    other_currencies: Dict[str, OtherCurrency] = _f(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class DecompositionIssue(Record):
    """A whole target whose parts do not add up to it, or lack targets."""

    target: str
    scope: str
    whole: Money
    parts: Money
    message: str
    missing: List[str] = _f(default_factory=list)


@dataclasses.dataclass(frozen=True)
class AttainmentReport(Record, Tabular):
    """Attainment of the company, every team and every rep for one period.

    Tables (:meth:`to_frame`): ``"scopes"`` (one row per company / team / rep scope,
    minor units of ``currency``), ``"other_currencies"`` (deals in other currencies).
    """

    _frame_kind: ClassVar[str] = "attainment"
    _frame_tables: ClassVar[Tuple[str, ...]] = ("scopes", "other_currencies")

    period: str
    time_zone: str
    currency: str
    rows: List[AttainmentRow]
    decomposition: List[DecompositionIssue] = _f(default_factory=list)
    as_of: Optional[_dt.datetime] = None
    #: Deals left out because their stored amount is beyond the limit of 10^14 minor units.
    left_out: int = 0

    def row(self, scope: str) -> Optional[AttainmentRow]:
        """The row of a scope (``"company"``, ``"team:li"``, ``"rep:wang"``), if any."""
        return next((r for r in self.rows if r.scope == scope), None)
