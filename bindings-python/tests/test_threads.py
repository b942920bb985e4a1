"""One engine shared by threads: queries share its lock, commands take it alone, and no
thread holding the GIL waits for the lock (so none of this can deadlock)."""

from __future__ import annotations

import threading

import salespipe as sp


def test_threads_read_while_one_writes(engine: sp.Engine) -> None:
    rounds = 200
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def writer() -> None:
        try:
            start.wait()
            for i in range(rounds):
                engine.tick("wang", "opp-1", f"item-{i}")
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    def reader() -> None:
        try:
            start.wait()
            seen = 0
            for _ in range(rounds):
                n = len(engine.opportunity("opp-1").checklist)
                assert n >= seen, "a reader never sees the checklist shrink"
                seen = n
                engine.timeline("opp-1")
                with_missing = engine.check("opp-1", "demo")
                assert with_missing.target == "demo"
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer)] + [
        threading.Thread(target=reader) for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a thread is stuck"
    assert errors == []
    assert len(engine.opportunity("opp-1").checklist) == rounds


def test_an_error_in_one_thread_leaves_the_lock_usable(engine: sp.Engine) -> None:
    def fail() -> None:
        for _ in range(50):
            try:
                engine.opportunity("nope")
            except sp.NotFound:
                pass
            try:
                engine.advance("wang", "opp-1", "demo")
            except sp.GateNotMet:
                pass

    threads = [threading.Thread(target=fail) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    engine.tick("wang", "opp-1", "budget")
    engine.advance("wang", "opp-1", "demo")
    assert engine.opportunity("opp-1").stage == "demo"
