"""The SQLite store: durable, replayed on open, shared by engines, bad files refused."""

from __future__ import annotations

from pathlib import Path

import pytest

import salespipe as sp
from conftest import START


def test_sqlite_store_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "crm.sqlite"
    clock = sp.ManualClock(START)
    a = sp.Engine(clock=clock, store=db)
    a.register_user("admin", sp.User("admin", "Admin", role=sp.Role.ADMIN))
    a.register_user("admin", sp.User("wang", "王芳"))
    a.define_pipeline("admin", sp.Pipeline("s", "S", [sp.Stage("a", "A", 0.1)]))
    a.create_customer("wang", sp.Customer("acme", "Acme"))
    a.create_opportunity(
        "wang", sp.NewOpportunity("o1", "s", "acme", "wang", "ERP", sp.Money("10", "CNY"))
    )
    b = sp.Engine(clock=clock, store=str(db))
    assert b.opportunity("o1") == a.opportunity("o1")
    assert b.events_after() == a.events_after()
    a.lose("wang", "o1", "price")
    b.catch_up()
    assert b.opportunity("o1").status.state == "lost"
    with pytest.raises(sp.AlreadyExists):
        b.create_customer("wang", sp.Customer("acme", "Again"))


def test_a_file_that_is_not_a_store_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "notes.txt"
    bad.write_bytes(b"this is not a database, just some text" * 100)
    with pytest.raises(sp.StorageError) as info:
        sp.Engine(store=bad)
    assert info.value.code == "storage"


def test_a_store_from_a_newer_salespipe_is_refused(tmp_path: Path) -> None:
    import sqlite3

    db = tmp_path / "crm.sqlite"
    sp.Engine(store=db).register_user("admin", sp.User("admin", "Admin", role=sp.Role.ADMIN))
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 999")
    con.commit()
    con.close()
    with pytest.raises(sp.UnsupportedVersion) as info:
        sp.Engine(store=db)
    assert info.value.code == "unsupported_version"


def test_pythons_own_sqlite3_peeking_at_the_file_loses_no_acknowledged_write(
    tmp_path: Path,
) -> None:
    """The POSIX lock trap (issue 16): Python's ``sqlite3`` module opens and closes the
    store's file in the same process, which drops the engine's locks, and its close deletes
    the write-ahead log. The engine notices: the next command is refused with a storage
    error instead of being acknowledged and lost, and every acknowledged command is in the
    file when it is opened again."""
    import sqlite3

    db = tmp_path / "crm.sqlite"
    clock = sp.ManualClock(START)
    a = sp.Engine(clock=clock, store=db)
    a.register_user("admin", sp.User("admin", "Admin", role=sp.Role.ADMIN))
    a.register_user("admin", sp.User("wang", "王芳"))
    a.define_pipeline("admin", sp.Pipeline("s", "S", [sp.Stage("a", "A", 0.1)]))
    a.create_customer("wang", sp.Customer("acme", "Acme"))
    acknowledged = len(a.events_after())

    peek = sqlite3.connect(db)
    assert peek.execute("select count(*) from sqlite_master").fetchone()[0] > 0
    peek.close()

    with pytest.raises(sp.StorageError, match="wal|log|lock"):
        a.create_opportunity(
            "wang", sp.NewOpportunity("o1", "s", "acme", "wang", "ERP", sp.Money("10", "CNY"))
        )
    del a
    b = sp.Engine(clock=clock, store=db)
    assert len(b.events_after()) == acknowledged
    assert b.customer("acme").name == "Acme"
