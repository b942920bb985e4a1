"""Forecast snapshots and forecast accuracy: typed records over the core's JSON.

The definitions are the core's (``salespipe::snapshot``): a snapshot freezes, per rep, the
period's attainment figures as of its instant (closed won, open pipeline, weighted pipeline,
commit, best case) and the P10/P50/P90 of what the open pipeline wins. Four forecasts are
compared (minor units): ``weighted`` = won + weighted pipeline, ``commit`` = won + commit,
``best_case`` = won + commit + best case, ``p50`` = won + P50. The actual is the rep's closed
won of the period as of the accuracy query (a deal reopened after the period no longer
counts once reopened). ``error`` = forecast − actual (positive: too high); bias = mean
error; MAPE = mean |error| ÷ actual over the snapshots with actual > 0, ``None`` when there
are none (never 0). A snapshot is compared once its period has ended at local midnight in
its time zone. Deals pushed three times or more are flagged.
"""

# No ``from __future__ import annotations`` here: the records' field types are resolved
# from these objects directly (the decoder reads the hints).
import dataclasses
import datetime as _dt
from typing import Dict, List, Optional

from salespipe import _salespipe
from salespipe._records import Money, Record
from salespipe._targets import OtherCurrency

__all__ = [
    "RepSnapshot",
    "ForecastSnapshot",
    "ActualRow",
    "PushRow",
    "Figures",
    "Comparison",
    "FigureAccuracy",
    "RepAccuracy",
    "PushedDeal",
    "ForecastAccuracy",
]

_f = dataclasses.field


@dataclasses.dataclass(frozen=True)
class Figures(Record):
    """The four forecasts of a rep's won amount (or their errors), minor units."""

    weighted: float
    commit: float
    best_case: float
    p50: float


@dataclasses.dataclass(frozen=True)
class RepSnapshot(Record):
    """One rep's frozen forecast: attainment figures and the open pipeline's distribution."""

    rep: str
    name: str
    closed_won: Money
    open_pipeline: Money
    open_deals: int
    weighted_pipeline: float
    commit: Money
    best_case: Money
    p10: int
    p50: int
    p90: int
    method: str
    other_currencies: Dict[str, OtherCurrency] = _f(default_factory=dict)

    def figures(self) -> Figures:
        """The four forecasts this snapshot makes for the rep, minor units (computed by the
        core, ``RepSnapshot::figures``)."""
        return Figures.from_dict(_salespipe.rep_snapshot_figures(self.to_dict()))


@dataclasses.dataclass(frozen=True)
class ForecastSnapshot(Record):
    """The forecast of a period frozen at an instant, per rep."""

    id: str
    period: str
    taken_at: _dt.datetime
    time_zone: str
    currency: str
    reps: List[RepSnapshot]

    def rep(self, rep: str) -> Optional[RepSnapshot]:
        """The row of a rep, if any."""
        return next((r for r in self.reps if r.rep == rep), None)


@dataclasses.dataclass(frozen=True)
class ActualRow(Record):
    """What a rep won in a period (for :func:`salespipe.forecast_accuracy`)."""

    period: str
    rep: str
    won: Money
    time_zone: str = "UTC"


@dataclasses.dataclass(frozen=True)
class PushRow(Record):
    """How often an opportunity's expected close date moved later."""

    opportunity: str
    owner: str
    pushes: int


@dataclasses.dataclass(frozen=True)
class Comparison(Record):
    """One rep of one snapshot against the actual."""

    snapshot: str
    period: str
    taken_at: _dt.datetime
    rep: str
    currency: str
    actual: Money
    forecast: Figures
    error: Figures
    absolute_percentage_error: Optional[Figures] = None


@dataclasses.dataclass(frozen=True)
class FigureAccuracy(Record):
    """Bias, mean absolute error and MAPE of one forecast figure over a rep's snapshots."""

    mape_snapshots: int = 0
    bias: Optional[float] = None
    mean_absolute_error: Optional[float] = None
    mape: Optional[float] = None


@dataclasses.dataclass(frozen=True)
class RepAccuracy(Record):
    """A rep's accuracy across snapshots in one currency."""

    rep: str
    currency: str
    snapshots: int
    weighted: FigureAccuracy
    commit: FigureAccuracy
    best_case: FigureAccuracy
    p50: FigureAccuracy
    periods: List[str] = _f(default_factory=list)


@dataclasses.dataclass(frozen=True)
class PushedDeal(Record):
    """An opportunity whose expected close date was pushed out; flagged from three pushes."""

    opportunity: str
    owner: str
    pushes: int
    flagged: bool


@dataclasses.dataclass(frozen=True)
class ForecastAccuracy(Record):
    """Forecast accuracy as of an instant: comparisons, per-rep accuracy, pushed deals."""

    as_of: _dt.datetime
    comparisons: List[Comparison]
    reps: List[RepAccuracy]
    flag_at: int
    pending: List[str] = _f(default_factory=list)
    pushed: List[PushedDeal] = _f(default_factory=list)

    def rep(self, rep: str, currency: str) -> Optional[RepAccuracy]:
        """The accuracy row of a rep in a currency, if any."""
        return next(
            (r for r in self.reps if r.rep == rep and r.currency == currency), None
        )
