"""Funnel analytics, forecast and calibration over pandas, polars or pyarrow tables.

The frames cross into Rust through the Arrow PyCapsule interface (``__arrow_c_stream__``);
the KPIs are computed by the core (``salespipe::analytics``) with the GIL released. Columns:

- ``events``: ``opp`` (opportunity id: integers or strings), ``at`` (tz-aware timestamps, dates
  or int64 UTC milliseconds), ``stage`` (stage ids of the pipeline plus ``"won"`` / ``"lost"``,
  or the core's u16 stage codes);
- ``opportunities``: ``opp``, ``amount`` (integer minor units: floats are refused),
  ``created`` (time), optional ``expected_close`` (a date, or a time at UTC midnight; nulls
  allowed; another time of day is a ``ValidationError`` naming the row), and the ``by``
  column.

Columns already in the core's dtypes (uint64 ids, int64 ms, uint16 stages, uint32 groups,
int64 amounts) are read without copying.
"""

from __future__ import annotations

import datetime as _dt
import enum
import html
from typing import TYPE_CHECKING, Any, Dict, List, Mapping, Optional, Tuple, Union

from salespipe import _salespipe
from salespipe._records import Pipeline, Record

if TYPE_CHECKING:
    import pandas
    import polars
    import pyarrow

__all__ = ["FunnelMode", "FunnelReport", "funnel", "forecast", "calibration"]

Window = Optional[Tuple[Optional[_dt.datetime], Optional[_dt.datetime]]]
PipelineLike = Union[Pipeline, Mapping[str, Any]]

#: The stage-table columns of :meth:`FunnelReport.to_dict` ``["stages"]`` and the frames.
STAGE_COLUMNS = (
    "group",
    "stage",
    "name",
    "probability",
    "entered",
    "advanced",
    "won",
    "lost",
    "lost_here",
    "open_here",
    "advance_rate",
    "win_rate",
    "loss_rate",
    "dwell_count",
    "dwell_mean_seconds",
    "dwell_median_seconds",
    "dwell_p90_seconds",
    "open_count",
    "open_mean_age_seconds",
    "stale",
    "open_amount",
    "weighted_open",
)


class FunnelMode(str, enum.Enum):
    """How stage entries are counted."""

    #: An opportunity enters a stage only when an event says so.
    RECORDED = "recorded"
    #: A forward skip (or a win) also enters every skipped stage, with zero dwell.
    CUMULATIVE = "cumulative"


def _window(w: Window) -> Tuple[Optional[_dt.datetime], Optional[_dt.datetime]]:
    if w is None:
        return None, None
    start, end = w
    return start, end


def _pipeline(p: PipelineLike) -> Any:
    return p.to_dict() if isinstance(p, Record) else p


class FunnelReport:
    """A funnel report: per-stage KPIs (entered, advanced, won, lost, rates, dwell, open age,
    weighted amounts) for the whole pipeline and for each group, the whole-pipeline KPIs and
    the transition matrix. ``str()`` is the text table; in Jupyter it shows the table and the
    SVG funnel chart."""

    __slots__ = ("_inner", "_dict")

    def __init__(self, inner: _salespipe.FunnelReport) -> None:
        self._inner = inner
        self._dict: Optional[Dict[str, Any]] = None

    def to_dict(self) -> Dict[str, Any]:
        """The report's JSON, the same shape as the Rust ``FunnelReport``."""
        if self._dict is None:
            self._dict = self._inner.to_dict()
        return self._dict

    def to_svg(self) -> str:
        """The SVG funnel chart."""
        return self._inner.to_svg()

    def __str__(self) -> str:
        return str(self._inner)

    def __repr__(self) -> str:
        d = self.to_dict()
        return (
            f"FunnelReport(as_of={d['as_of']!r}, mode={d['mode']!r}, "
            f"opportunities={d['total']['opportunities']}, groups={len(d['groups'])})"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FunnelReport):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    @property
    def total(self) -> Dict[str, Any]:
        """The whole pipeline's group report (``stages``, ``pipeline``, ``transitions``)."""
        total: Dict[str, Any] = self.to_dict()["total"]
        return total

    @property
    def groups(self) -> List[Dict[str, Any]]:
        """One group report per ``by`` key."""
        groups: List[Dict[str, Any]] = self.to_dict()["groups"]
        return groups

    def stage_columns(self, groups: bool = False) -> Dict[str, List[Any]]:
        """The per-stage table as columns: the total (``group`` is None), then each group
        when ``groups``."""
        cols: Dict[str, List[Any]] = {c: [] for c in STAGE_COLUMNS}
        reports = [self.total] + (self.groups if groups else [])
        for g in reports:
            key = g.get("key")
            for s in g["stages"]:
                row = {
                    "group": key,
                    "stage": s["id"],
                    "name": s["name"],
                    "probability": s["probability"],
                    "entered": s["entered"],
                    "advanced": s["advanced"],
                    "won": s["won"],
                    "lost": s["lost"],
                    "lost_here": s["lost_here"],
                    "open_here": s["open_here"],
                    "advance_rate": s["advance_rate"],
                    "win_rate": s["win_rate"],
                    "loss_rate": s["loss_rate"],
                    "dwell_count": s["dwell"]["count"],
                    "dwell_mean_seconds": s["dwell"]["mean_seconds"],
                    "dwell_median_seconds": s["dwell"]["median_seconds"],
                    "dwell_p90_seconds": s["dwell"].get("p90_seconds"),
                    "open_count": s["open_age"]["count"],
                    "open_mean_age_seconds": s["open_age"]["mean_seconds"],
                    "stale": s["open_age"]["stale"],
                    "open_amount": s["open_amount"],
                    "weighted_open": s["weighted_open"],
                }
                for c in STAGE_COLUMNS:
                    cols[c].append(row[c])
        return cols

    def to_arrow(self, groups: bool = False) -> pyarrow.Table:
        """The per-stage table as a ``pyarrow.Table``."""
        import pyarrow as pa

        return pa.table(self.stage_columns(groups))

    def to_pandas(self, groups: bool = False) -> pandas.DataFrame:
        """The per-stage table as a pandas DataFrame."""
        return self.to_arrow(groups).to_pandas()

    def to_polars(self, groups: bool = False) -> polars.DataFrame:
        """The per-stage table as a polars DataFrame."""
        import polars as pl

        return pl.DataFrame(self.stage_columns(groups), strict=False)

    def _repr_html_(self) -> str:
        cols = self.stage_columns()
        heads = ["stage", "entered", "advanced", "won", "lost", "advance_rate", "win_rate"]
        th = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
        rows = []
        for i in range(len(cols["stage"])):
            cells = []
            for h in heads:
                v = cols["name"][i] if h == "stage" else cols[h][i]
                if isinstance(v, float):
                    v = f"{v:.1%}" if h.endswith("rate") else f"{v:.2f}"
                cells.append(f"<td>{html.escape('—' if v is None else str(v))}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        p = self.total["pipeline"]
        summary = (
            f"won {p['closed_won']} · lost {p['closed_lost']} · open {p['open_count']} · "
            f"weighted pipeline {p['weighted_pipeline']:.2f}"
        )
        return (
            '<div class="salespipe-funnel">'
            f"<table><thead><tr>{th}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
            f"<p>{html.escape(summary)}</p>{self.to_svg()}</div>"
        )


def funnel(
    events: Any,
    opportunities: Any,
    pipeline: PipelineLike,
    *,
    as_of: _dt.datetime,
    window: Window = None,
    mode: Union[FunnelMode, str] = FunnelMode.RECORDED,
    by: Optional[str] = None,
    currency: Optional[str] = None,
) -> FunnelReport:
    """The funnel report of ``pipeline`` over an event frame and an opportunity frame
    (pandas, polars or pyarrow), as of ``as_of`` (tz-aware), for the cohort ``window``
    ``(from, to)`` of stage-entry times, in ``mode``, grouped by the opportunity column
    ``by``. ``currency`` names the amounts' currency in the report."""
    start, end = _window(window)
    return FunnelReport(
        _salespipe.funnel(
            events,
            opportunities,
            _pipeline(pipeline),
            as_of=as_of,
            window_from=start,
            window_to=end,
            mode=FunnelMode(mode).value,
            by=by,
            currency=currency,
        )
    )


def forecast(
    events: Any,
    opportunities: Any,
    pipeline: PipelineLike,
    *,
    as_of: _dt.datetime,
    period: Window = None,
    probabilities: Optional[Mapping[str, Any]] = None,
    method: Optional[Mapping[str, Any]] = None,
    currency: Optional[str] = None,
) -> Dict[str, Any]:
    """The forecast of the amount won among opportunities open at ``as_of`` whose expected
    close falls in ``period``: ``expected``, ``p10``, ``p50``, ``p90`` (minor units).
    ``probabilities`` and ``method`` are the core's JSON (``{"kind": "stage"}``,
    ``{"kind": "empirical", "training": {...}, "mode": "recorded"}``;
    ``{"kind": "exact"}``, ``{"kind": "monte_carlo", "samples": 10000, "seed": 1}``)."""
    start, end = _window(period)
    result: Dict[str, Any] = _salespipe.forecast(
        events,
        opportunities,
        _pipeline(pipeline),
        as_of=as_of,
        period_from=start,
        period_to=end,
        probabilities=probabilities,
        method=method,
        currency=currency,
    )
    return result


def calibration(
    events: Any,
    opportunities: Any,
    pipeline: PipelineLike,
    *,
    as_of: _dt.datetime,
    window: Window = None,
) -> Dict[str, Any]:
    """How well the stage probabilities predicted the outcomes: Brier score and the
    per-stage reliability table."""
    start, end = _window(window)
    result: Dict[str, Any] = _salespipe.calibration(
        events, opportunities, _pipeline(pipeline), as_of=as_of, window_from=start, window_to=end
    )
    return result
