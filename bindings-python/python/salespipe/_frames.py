"""Reports as DataFrames: every report's tables, built as Arrow in Rust.

The tables cross from Rust through the Arrow PyCapsule interface (``__arrow_c_stream__``)
and become a ``pyarrow.Table``, a polars ``DataFrame`` or a pandas ``DataFrame`` without a
Python loop over rows. The units are the same in every table:

- **money**: integer minor units (cents, fen, yen) with a ``currency`` column beside them;
  a mean or a weighted sum is a float in minor units; :func:`major_units` gives the exact
  ``Decimal`` amount. Per-currency figures come as one row per currency;
- **durations** (dwell, open age, sales cycle): Arrow ``duration[ms]``, i.e. pandas
  ``timedelta64``, polars ``Duration``; instants: UTC timestamps; days: dates;
- **rates**: floats in 0..1; a rate of nothing is missing (``None`` / ``<NA>`` / null),
  never 0.

In pandas, integer and boolean columns with missing values are the nullable ``Int64`` /
``boolean`` dtypes, so a count or an amount never turns into a float.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Callable, ClassVar, Dict, Literal, Optional, Tuple

from salespipe import _salespipe

__all__ = ["Library", "Tabular", "major_units"]

#: The DataFrame libraries a table can come out in.
Library = Literal["pandas", "polars", "pyarrow"]

_LIBRARIES = ("pandas", "polars", "pyarrow")


def major_units(minor: int, currency: str) -> Decimal:
    """The exact decimal amount of ``minor`` minor units of ``currency``
    (``major_units(123450, "CNY") == Decimal("1234.50")``, ``major_units(5, "JPY") ==
    Decimal("5")``)."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        try:
            import numpy as np

            if isinstance(minor, np.integer):
                minor = int(minor)
        except ImportError:  # pragma: no cover - numpy comes with every frame library
            pass
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError(f"minor units must be an int, not {type(minor).__name__}")
    return Decimal(_salespipe.money_format(minor, currency))


def library_of(*frames: Any) -> Library:
    """The library of the first frame that belongs to one (``pyarrow`` otherwise)."""
    for f in frames:
        root = type(f).__module__.split(".", 1)[0]
        if root in _LIBRARIES:
            lib: Library = root  # type: ignore[assignment]
            return lib
    return "pyarrow"


def check_library(library: str) -> Library:
    if library not in _LIBRARIES:
        raise ValueError(f"library must be one of {', '.join(_LIBRARIES)}, not {library!r}")
    lib: Library = library  # type: ignore[assignment]
    return lib


def _pandas_types(t: Any) -> Any:
    import pandas as pd
    import pyarrow as pa

    if pa.types.is_integer(t):
        return pd.Int64Dtype()
    if pa.types.is_boolean(t):
        return pd.BooleanDtype()
    return None


def convert(table: Any, library: str) -> Any:
    """An Arrow table (any object with ``__arrow_c_stream__``) in ``library``."""
    lib = check_library(library)
    if lib == "polars":
        import polars as pl

        return pl.DataFrame(table)
    import pyarrow as pa

    t = pa.table(table)
    if lib == "pyarrow":
        return t
    return t.to_pandas(types_mapper=_pandas_types)


def report_frame(report: Any, kind: str, table: str, library: Optional[str]) -> Any:
    """One table of a report given as its core JSON, in ``library`` (default pandas)."""
    return convert(_salespipe.report_frame(report, kind, table), library or "pandas")


class Tabular:
    """A report with tables: :meth:`to_frame` gives each as a DataFrame."""

    #: The report's kind for the Rust side, and its tables (the first is the default).
    _frame_kind: ClassVar[str] = ""
    _frame_tables: ClassVar[Tuple[str, ...]] = ()

    def to_frame(self, table: Optional[str] = None, *, library: Library = "pandas") -> Any:
        """One table of the report as a DataFrame in ``library`` (``"pandas"``,
        ``"polars"`` or ``"pyarrow"``), built as Arrow in Rust; ``table`` is one of the
        report's tables (see the class docs; default the first). Units: money in integer
        minor units with a ``currency`` column, durations as durations (see
        :mod:`salespipe._frames`)."""
        to_dict: Callable[[], Dict[str, Any]] = getattr(self, "to_dict")
        return report_frame(to_dict(), self._frame_kind, table or self._frame_tables[0], library)


_CELL = re.compile(r"^(events|opportunities)\[(\d+)\]\.(.+)$")


def _index_label(frame: Any, pos: int) -> Any:
    """The pandas index label of row ``pos`` (``None`` for frames without an index, and for a
    default ``RangeIndex``, whose label is the position)."""
    index = getattr(frame, "index", None)
    if index is None or type(frame).__module__.split(".", 1)[0] != "pandas":
        return None
    try:
        import pandas as pd

        if isinstance(index, pd.RangeIndex) and index.start == 0 and index.step == 1:
            return None
        label = index[pos]
    except (IndexError, ImportError):
        return None
    return label.item() if hasattr(label, "item") else label


def point_at_cell(err: Exception, frames: Dict[str, Any]) -> Exception:
    """A ``ValidationError`` naming a row of an input frame, with the row's position and,
    for a pandas frame with its own index, the row's index label in the message and in
    ``details`` (``column``, ``row``, ``index``). Other errors come back unchanged."""
    from salespipe.exceptions import ValidationError

    if not isinstance(err, ValidationError):
        return err
    m = _CELL.match(err.field)
    if m is None or m.group(1) not in frames:
        return err
    name, pos, col = m.group(1), int(m.group(2)), m.group(3)
    label = _index_label(frames[name], pos)
    where = f"row {pos}" + ("" if label is None else f", index label {label!r}")
    inner = str(err.details.get("message", err.message))
    details = dict(err.details, column=col, row=pos, index=label)
    return ValidationError(f"{name}.{col} ({where}): {inner}", details)
