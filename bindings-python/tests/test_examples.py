"""The Python examples run (mypy --strict checks them in scripts/test-python)."""

from __future__ import annotations

import runpy

import pytest

from conftest import REPO


def test_quickstart_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(REPO / "examples" / "python" / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "blocked:" in out and "funnel as of" in out and "follow_up" in out
