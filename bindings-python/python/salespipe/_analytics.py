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

from salespipe import _frames, _salespipe
from salespipe._frames import Library
from salespipe._records import Pipeline, Record
from salespipe.exceptions import ValidationError

if TYPE_CHECKING:
    import pandas
    import polars
    import pyarrow

__all__ = [
    "FunnelMode",
    "FunnelReport",
    "ForecastReport",
    "CalibrationReport",
    "funnel",
    "funnel_both",
    "forecast",
    "calibration",
]

Window = Optional[Tuple[Optional[_dt.datetime], Optional[_dt.datetime]]]
PipelineLike = Union[Pipeline, Mapping[str, Any]]

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

    __slots__ = ("_inner", "_dict", "_library")

    def __init__(self, inner: _salespipe.FunnelReport, library: Library = "pandas") -> None:
        self._inner = inner
        self._dict: Optional[Dict[str, Any]] = None
        self._library: Library = library

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

    def to_frame(
        self,
        table: str = "stages",
        *,
        groups: bool = False,
        library: Optional[Library] = None,
    ) -> Any:
        """One table of the report as a DataFrame, built as Arrow in Rust:

        - ``"stages"``: one row per (group, open stage) — entered, advanced, won, lost, the
          rates, dwell and open age (durations), stale, open amount (minor units);
        - ``"pipeline"``: one row per group — win rate, won amount, average deal, sales
          cycle (a duration), open and weighted pipeline, velocity per day;
        - ``"transitions"``: the transition matrix in long form (``from``, ``to``,
          ``count``; zeros included, so ``pivot`` gives the matrix).

        The total comes first (``total`` is true, ``group`` missing); ``groups=True`` adds
        every group in key order (the group of rows without a key has ``group`` missing and
        ``total`` false). ``library``: ``"pandas"``,
        ``"polars"`` or ``"pyarrow"``; by default the library of the frames the report was
        computed from (pandas for an engine's report). Units: see
        :mod:`salespipe._frames`."""
        lib = _frames.check_library(library or self._library)
        return _frames.convert(self._inner.frame(table, groups), lib)

    def to_arrow(self, table: str = "stages", *, groups: bool = False) -> pyarrow.Table:
        """:meth:`to_frame` as a ``pyarrow.Table``."""
        t: pyarrow.Table = self.to_frame(table, groups=groups, library="pyarrow")
        return t

    def to_pandas(self, table: str = "stages", *, groups: bool = False) -> pandas.DataFrame:
        """:meth:`to_frame` as a pandas DataFrame."""
        df: pandas.DataFrame = self.to_frame(table, groups=groups, library="pandas")
        return df

    def to_polars(self, table: str = "stages", *, groups: bool = False) -> polars.DataFrame:
        """:meth:`to_frame` as a polars DataFrame."""
        df: polars.DataFrame = self.to_frame(table, groups=groups, library="polars")
        return df

    def _repr_html_(self) -> str:
        heads = ["stage", "entered", "advanced", "won", "lost", "advance_rate", "win_rate"]
        th = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
        rows = []
        for s in self.total["stages"]:
            cells = []
            for h in heads:
                v = s["name"] if h == "stage" else s[h]
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
    try:
        inner = _salespipe.funnel(
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
    except ValidationError as e:
        raise _frames.point_at_cell(e, {"events": events, "opportunities": opportunities}) from None
    return FunnelReport(inner, _frames.library_of(events, opportunities))


def funnel_both(
    events: Any,
    opportunities: Any,
    pipeline: PipelineLike,
    *,
    as_of: _dt.datetime,
    window: Window = None,
    by: Optional[str] = None,
    currency: Optional[str] = None,
) -> Tuple[FunnelReport, FunnelReport]:
    """Both modes of :func:`funnel` — ``(recorded, cumulative)`` — from one reading of the
    frames and one pass over them: half the time of two :func:`funnel` calls."""
    start, end = _window(window)
    try:
        rec, cum = _salespipe.funnel_both(
            events,
            opportunities,
            _pipeline(pipeline),
            as_of=as_of,
            window_from=start,
            window_to=end,
            by=by,
            currency=currency,
        )
    except ValidationError as e:
        raise _frames.point_at_cell(e, {"events": events, "opportunities": opportunities}) from None
    lib = _frames.library_of(events, opportunities)
    return FunnelReport(rec, lib), FunnelReport(cum, lib)


class ForecastReport(Dict[str, Any]):
    """The forecast: the core's JSON as a ``dict`` (``expected``, ``p10``, ``p50``, ``p90``
    in minor units, ``method`` …), and :meth:`to_frame`."""

    _library: Library = "pandas"

    def to_frame(self, *, library: Optional[Library] = None) -> Any:
        """The forecast as a one-row DataFrame: ``opportunities``, ``amount``,
        ``expected``, ``p10``, ``p50``, ``p90`` (minor units), ``method``, ``samples``,
        ``seed``; in ``library`` (default: the input frames' library, pandas for an
        engine's forecast)."""
        return _frames.report_frame(dict(self), "forecast", "forecast", library or self._library)


class CalibrationReport(Dict[str, Any]):
    """The calibration: the core's JSON as a ``dict`` (``brier``, ``predictions``,
    ``stages``), and :meth:`to_frame`."""

    _library: Library = "pandas"

    def to_frame(self, *, library: Optional[Library] = None) -> Any:
        """The reliability table, one row per open stage: ``stage``, ``predicted``,
        ``closed``, ``won``, ``observed``, ``gap``, ``brier``."""
        return _frames.report_frame(dict(self), "calibration", "stages", library or self._library)


def _tag(report: Any, cls: Any, library: Library) -> Any:
    out = cls(report)
    out._library = library
    return out


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
) -> ForecastReport:
    """The forecast of the amount won among opportunities open at ``as_of`` whose expected
    close falls in ``period``: ``expected``, ``p10``, ``p50``, ``p90`` (minor units).
    ``probabilities`` and ``method`` are the core's JSON (``{"kind": "stage"}``,
    ``{"kind": "empirical", "training": {...}, "mode": "recorded"}``;
    ``{"kind": "exact"}``, ``{"kind": "monte_carlo", "samples": 10000, "seed": 1}``)."""
    start, end = _window(period)
    try:
        result = _salespipe.forecast(
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
    except ValidationError as e:
        raise _frames.point_at_cell(e, {"events": events, "opportunities": opportunities}) from None
    report: ForecastReport = _tag(result, ForecastReport, _frames.library_of(events, opportunities))
    return report


def calibration(
    events: Any,
    opportunities: Any,
    pipeline: PipelineLike,
    *,
    as_of: _dt.datetime,
    window: Window = None,
) -> CalibrationReport:
    """How well the stage probabilities predicted the outcomes: Brier score and the
    per-stage reliability table."""
    start, end = _window(window)
    try:
        result = _salespipe.calibration(
            events, opportunities, _pipeline(pipeline), as_of=as_of, window_from=start, window_to=end
        )
    except ValidationError as e:
        raise _frames.point_at_cell(e, {"events": events, "opportunities": opportunities}) from None
    lib = _frames.library_of(events, opportunities)
    report: CalibrationReport = _tag(result, CalibrationReport, lib)
    return report
