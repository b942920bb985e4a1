"""Helpers the test modules share: UTC instants, CNY amounts, a small sales team."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import salespipe as sp

UTC = dt.timezone.utc


def at(s: str) -> dt.datetime:
    """An ISO instant without an offset, read as UTC."""
    return dt.datetime.fromisoformat(s).replace(tzinfo=UTC)


def cny(amount: str) -> sp.Money:
    return sp.Money(amount, "CNY")


REP_NAMES = {"wang": "王芳", "qian": "钱伟"}


def team(
    start: str, reps: tuple[str, ...] = ("wang",), time_zone: Optional[str] = None
) -> tuple[sp.Engine, sp.ManualClock]:
    """An engine on a manual clock at ``start``: ``admin``, the manager ``li`` and ``reps``
    reporting to li; with ``time_zone``, the company's reminder rules use it."""
    clock = sp.ManualClock(at(start))
    e = sp.Engine(clock=clock)
    e.register_user("admin", sp.User("admin", "Admin", role=sp.Role.ADMIN))
    e.register_user("admin", sp.User("li", "李经理", role=sp.Role.MANAGER))
    for rep in reps:
        e.register_user("admin", sp.User(rep, REP_NAMES.get(rep, rep), manager="li"))
    if time_zone is not None:
        e.set_reminder_rules("admin", {"time_zone": time_zone})
    return e, clock
