"""The extension module (Rust). Records cross as the core's JSON; `salespipe` types them."""

import datetime
import os
from typing import Any, Dict, Final, List, Optional, Tuple, Union, final

__version__: Final[str]
SCHEMA_VERSION: Final[int]

@final
class ManualClock:
    """A clock that moves only when told to."""

    def __new__(cls, at: datetime.datetime) -> ManualClock: ...
    def now(self) -> datetime.datetime: ...
    def set(self, at: datetime.datetime) -> None: ...
    def advance(self, delta: datetime.timedelta) -> None: ...

@final
class Engine:
    def __new__(
        cls, clock: Optional[ManualClock] = None, store: Union[str, os.PathLike[str], None] = None
    ) -> Engine: ...
    def execute(self, actor: str, command: Any) -> List[Any]: ...
    def now(self) -> datetime.datetime: ...
    def catch_up(self) -> None: ...
    def wait_for_events(self, timeout: float) -> int: ...
    def query(self, actor: Optional[str], query: Any) -> Any: ...
    def funnel(self, actor: Optional[str], query: Any) -> List[Tuple[Optional[str], FunnelReport]]: ...

@final
class FunnelReport:
    def to_dict(self) -> Dict[str, Any]: ...
    def to_svg(self) -> str: ...
    def frame(self, table: str, groups: bool = True) -> Any: ...

def funnel(
    events: Any,
    opportunities: Any,
    pipeline: Any,
    *,
    as_of: datetime.datetime,
    window_from: Optional[datetime.datetime] = None,
    window_to: Optional[datetime.datetime] = None,
    mode: str = "recorded",
    by: Optional[str] = None,
    currency: Optional[str] = None,
) -> FunnelReport: ...
def funnel_both(
    events: Any,
    opportunities: Any,
    pipeline: Any,
    *,
    as_of: datetime.datetime,
    window_from: Optional[datetime.datetime] = None,
    window_to: Optional[datetime.datetime] = None,
    by: Optional[str] = None,
    currency: Optional[str] = None,
) -> Tuple[FunnelReport, FunnelReport]: ...
def forecast(
    events: Any,
    opportunities: Any,
    pipeline: Any,
    *,
    as_of: datetime.datetime,
    period_from: Optional[datetime.datetime] = None,
    period_to: Optional[datetime.datetime] = None,
    probabilities: Any = None,
    method: Any = None,
    currency: Optional[str] = None,
) -> Any: ...
def calibration(
    events: Any,
    opportunities: Any,
    pipeline: Any,
    *,
    as_of: datetime.datetime,
    window_from: Optional[datetime.datetime] = None,
    window_to: Optional[datetime.datetime] = None,
) -> Any: ...

def pipeline_from_json(text: str) -> Any: ...
def pipeline_from_toml(text: str) -> Any: ...
def validate_pipeline(pipeline: Any) -> Any: ...
def validate_process(process: Any) -> Any: ...
def money_parse(amount: str, currency: str) -> int: ...
def money_format(minor: int, currency: str) -> str: ...
def currency_code(currency: str) -> str: ...
def error_codes() -> List[str]: ...
def to_json(obj: Any, path: str = "value") -> Any: ...
def _raise_sample_error(code: str) -> None: ...
def parse_duration(text: str) -> datetime.timedelta: ...
def attainment(
    users: Any,
    targets: Any,
    deals: Any,
    period: str,
    as_of: Optional[datetime.datetime] = None,
    currency: Optional[str] = None,
    time_zone: Optional[str] = None,
) -> Any: ...
def competitor_report(
    rows: Any,
    *,
    as_of: Optional[datetime.datetime] = None,
    closed_from: Optional[datetime.datetime] = None,
    closed_to: Optional[datetime.datetime] = None,
) -> Any: ...
def expense_report(
    rows: Any,
    won: Any,
    from_: Optional[datetime.date] = None,
    to: Optional[datetime.date] = None,
    as_of: Optional[datetime.datetime] = None,
) -> Any: ...
def forecast_snapshot(
    id: str,
    users: Any,
    targets: Any,
    deals: Any,
    period: str,
    as_of: datetime.datetime,
    currency: Optional[str] = None,
    time_zone: Optional[str] = None,
) -> Any: ...
def forecast_accuracy(
    snapshots: Any, actuals: Any, pushes: Any, as_of: datetime.datetime
) -> Any: ...
def rep_snapshot_figures(rep: Any) -> Any: ...
def source_report(
    funnel: FunnelReport, costs: Optional[Any] = None, sources: Optional[Any] = None
) -> Any: ...

def report_frame(report: Any, kind: str, table: str) -> Any: ...
