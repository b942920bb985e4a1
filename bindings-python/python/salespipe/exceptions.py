"""The salespipe exception tree: one class per stable error code of the core.

Every exception has ``.code`` (the core's ``ErrorCode`` as a string, e.g. ``"gate_not_met"``)
and ``.details`` (the error's structured fields as a dict). ``GateNotMet.report`` is the
:class:`salespipe.GateReport` saying what is met and what is missing.

``ValidationError`` and ``InvalidDefinition`` are also ``ValueError``\\ s, ``NotFound`` is also
a ``LookupError``, ``PermissionDenied`` is also a ``PermissionError``, as Python code expects.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Dict, Mapping, Optional, Type

if TYPE_CHECKING:
    from salespipe._records import GateReport

__all__ = [
    "SalespipeError",
    "GateNotMet",
    "ApprovalPending",
    "InvalidTransition",
    "NotFound",
    "AlreadyExists",
    "Conflict",
    "InvalidDefinition",
    "ValidationError",
    "MoneyError",
    "PermissionDenied",
    "UnsupportedVersion",
    "StorageError",
]


class SalespipeError(Exception):
    """Root of every error salespipe raises. A failing call changes nothing."""

    code: ClassVar[str] = ""

    def __init__(self, message: str, details: Optional[Mapping[str, Any]] = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: Dict[str, Any] = dict(details or {})

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class GateNotMet(SalespipeError):
    """The exit requirements between the current stage and the target are not all met."""

    code = "gate_not_met"

    @property
    def report(self) -> GateReport:
        """What is met and what is missing, stage by stage."""
        from salespipe._records import GateReport

        return GateReport.from_dict(self.details["report"])


class ApprovalPending(SalespipeError):
    """An approval request is still waiting for a decision."""

    code = "approval_pending"


class InvalidTransition(SalespipeError):
    """The move is not allowed from the current state."""

    code = "invalid_transition"


class NotFound(SalespipeError, LookupError):
    """An id names nothing: ``.details`` has its ``kind`` and ``id``, ``.field`` names the
    input field that gave the id (``None`` for a lookup by id)."""

    code = "not_found"

    @property
    def field(self) -> Optional[str]:
        """The input field that gave the id (``"owner"``, ``"target.scope"``), or ``None``."""
        field = self.details.get("field")
        return None if field is None else str(field)


class AlreadyExists(SalespipeError):
    """An id is already taken."""

    code = "already_exists"


class Conflict(SalespipeError):
    """Somebody else appended to the stream first (optimistic concurrency): retry."""

    code = "conflict"


class InvalidDefinition(SalespipeError, ValueError):
    """A pipeline or approval definition is invalid; ``.problems`` lists every problem."""

    code = "invalid_definition"

    @property
    def problems(self) -> list[dict[str, str]]:
        """Each problem as ``{"path": ..., "message": ...}``."""
        return list(self.details.get("problems", []))


class ValidationError(SalespipeError, ValueError):
    """A command's input is invalid; ``.field`` names the offending field."""

    code = "validation"

    @property
    def field(self) -> str:
        """The offending field."""
        return str(self.details.get("field", ""))


class MoneyError(SalespipeError, ArithmeticError):
    """Money arithmetic would overflow, or mixes currencies."""

    code = "money"


class PermissionDenied(SalespipeError, PermissionError):
    """The policy refuses the actor this action."""

    code = "permission_denied"


class UnsupportedVersion(SalespipeError):
    """Stored data was written by a newer version of salespipe."""

    code = "unsupported_version"


class StorageError(SalespipeError, OSError):
    """The event store failed."""

    code = "storage"


_BY_CODE: Dict[str, Type[SalespipeError]] = {
    cls.code: cls
    for cls in (
        GateNotMet,
        ApprovalPending,
        InvalidTransition,
        NotFound,
        AlreadyExists,
        Conflict,
        InvalidDefinition,
        ValidationError,
        MoneyError,
        PermissionDenied,
        UnsupportedVersion,
        StorageError,
    )
}


def _from_core(code: str, message: str, details: Mapping[str, Any]) -> SalespipeError:
    """Builds the exception for a core error (called from the extension module)."""
    cls = _BY_CODE.get(code, SalespipeError)
    return cls(message, details)
