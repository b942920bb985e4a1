"""The PostgreSQL store opened by URL: shared by engines, woken by LISTEN/NOTIFY, bad schemas
refused. Needs a server in ``SALESPIPE_PG_URL`` (``scripts/test-postgres`` starts one and runs
this file, with ``SALESPIPE_PG_REQUIRED=1``); without it the tests skip, except with
``SALESPIPE_PG_REQUIRED=1``, where they fail."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest

import salespipe as sp
from conftest import START

URL = os.environ.get("SALESPIPE_PG_URL", "")
if not URL:
    if os.environ.get("SALESPIPE_PG_REQUIRED") == "1":
        raise RuntimeError("SALESPIPE_PG_URL is not set but SALESPIPE_PG_REQUIRED=1: these must run")
    pytest.skip(
        "SALESPIPE_PG_URL is not set (scripts/test-postgres starts a server)",
        allow_module_level=True,
    )


def _url(schema: str) -> str:
    return f"{URL}{'&' if '?' in URL else '?'}schema={schema}"


@pytest.fixture
def schema() -> str:
    """A schema of its own for each test (left for the throwaway server to drop)."""
    return f"py_{uuid.uuid4().hex[:16]}"


def _setup(e: sp.Engine) -> None:
    e.register_user("admin", sp.User("admin", "Admin", role=sp.Role.ADMIN))
    e.register_user("admin", sp.User("wang", "王芳"))
    e.define_pipeline(
        "admin",
        sp.Pipeline("s", "S", [sp.Stage("a", "A", 0.1), sp.Stage("b", "B", 0.5)]),
    )
    e.create_customer("wang", sp.Customer("acme", "Acme"))
    e.create_opportunity(
        "wang", sp.NewOpportunity("o1", "s", "acme", "wang", "ERP", sp.Money("10", "CNY"))
    )


def test_engines_share_a_database_by_url(schema: str) -> None:
    clock = sp.ManualClock(START)
    a = sp.Engine(clock=clock, store=_url(schema))
    _setup(a)
    b = sp.Engine(clock=clock, store=_url(schema))
    assert b.opportunity("o1") == a.opportunity("o1")
    assert b.events_after() == a.events_after()
    a.advance("wang", "o1", "b")
    b.catch_up()
    assert b.opportunity("o1").stage == "b"
    c = sp.Engine(clock=clock, store=_url(schema))
    assert c.events_after() == a.events_after()


def test_wait_for_events_is_woken_by_another_engine(schema: str) -> None:
    clock = sp.ManualClock(START)
    a = sp.Engine(clock=clock, store=_url(schema))
    _setup(a)
    b = sp.Engine(clock=clock, store=_url(schema))
    assert b.wait_for_events(0.1) == 0

    def later() -> None:
        time.sleep(0.3)
        a.advance("wang", "o1", "b")

    t = threading.Thread(target=later)
    started = time.monotonic()
    t.start()
    n = b.wait_for_events(20.0)
    t.join()
    assert n == 1
    assert time.monotonic() - started < 5
    assert b.opportunity("o1").stage == "b"


def test_bad_schema_names_and_unreachable_servers_are_clear_errors() -> None:
    with pytest.raises(sp.ValidationError):
        sp.Engine(store=_url("Not-A-Schema"))
    with pytest.raises(sp.StorageError) as info:
        sp.Engine(store="postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert info.value.code == "storage"
