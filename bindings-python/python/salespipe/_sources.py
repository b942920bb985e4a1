"""The source report (来源统计): typed records over the core's JSON.

The report is the core's funnel grouped by source (``salespipe::source``) with the approved
expenses of each source as its cost; ratios without a base are ``None`` (or absent from the
per-currency maps), never 0.
"""

# No ``from __future__ import annotations``: the decoder reads these hints as objects.
import dataclasses
import datetime as _dt
from typing import ClassVar, Dict, List, Optional, Tuple

from salespipe._frames import Tabular
from salespipe._records import Record

__all__ = ["Source", "SourceRow", "SourceReport"]

_f = dataclasses.field


@dataclasses.dataclass(frozen=True)
class Source(Record):
    """A configured source: the value deals carry, and its display name."""

    id: str
    name: str


@dataclasses.dataclass(frozen=True)
class SourceRow(Record):
    """One source's figures (amounts in minor units of the report's currency)."""

    source: str
    name: str
    configured: bool
    created: int = 0
    won: int = 0
    lost: int = 0
    win_rate: Optional[float] = None
    revenue: int = 0
    avg_cycle_days: Optional[float] = None
    open: int = 0
    cost: Dict[str, int] = _f(default_factory=dict)
    cost_per_won: Dict[str, float] = _f(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class SourceReport(Record, Tabular):
    """The source report of a pipeline: configured sources first, ``(none)`` last.

    Tables (:meth:`to_frame`): ``"sources"`` (one row per source; cycles as durations),
    ``"costs"`` (per source and currency, minor units).
    """

    _frame_kind: ClassVar[str] = "sources"
    _frame_tables: ClassVar[Tuple[str, ...]] = ("sources", "costs")

    as_of: _dt.datetime
    sources: List[SourceRow]
    currency: Optional[str] = None
    window: Dict[str, Optional[str]] = _f(default_factory=dict)
    #: Deals left out because their amount is in another currency than ``currency``.
    left_out: int = 0

    def row(self, source: str) -> Optional[SourceRow]:
        """The row of a source, if any."""
        return next((r for r in self.sources if r.source == source), None)
