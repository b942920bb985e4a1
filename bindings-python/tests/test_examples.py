"""The Python examples run (mypy --strict checks them in scripts/test-python)."""

from __future__ import annotations

import json
import re
import runpy
import shutil
import subprocess

import pytest

from conftest import REPO


def test_quickstart_runs(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(REPO / "examples" / "python" / "quickstart.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "blocked:" in out and "funnel as of" in out and "follow_up" in out


MAVEN_CRM = REPO.parent / "shared" / "data" / "maven-crm"
OPEN_LINE = re.compile(r"open deals at as_of: (\d+) \((\d+) in Prospecting, (\d+) in Engaging\)")


def _open_line(text: str, who: str) -> tuple[int, int, int]:
    m = OPEN_LINE.search(text)
    assert m is not None, f"{who} printed no open-deal line:\n{text[-2000:]}"
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


@pytest.mark.skipif(not (MAVEN_CRM / "sales_pipeline.csv").is_file(), reason="no maven-crm data")
@pytest.mark.skipif(shutil.which("cargo") is None, reason="no cargo to run the Rust examples")
def test_maven_crm_examples_agree_on_open_deals(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """funnel-report, manager and the notebook treat the 500 undated Prospecting rows the same
    way (examples/maven-crm/README.md), so they count the same open deals."""
    counts: dict[str, tuple[int, int, int]] = {}
    for example in ("funnel-report", "manager"):
        out = subprocess.run(
            ["cargo", "run", "-q", "-p", example, "--", str(MAVEN_CRM)],
            cwd=REPO, capture_output=True, text=True, timeout=1800,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        counts[example] = _open_line(out.stdout, example)
    nb = REPO / "examples" / "notebooks" / "funnel.ipynb"
    monkeypatch.chdir(nb.parent)
    monkeypatch.setenv("SALESPIPE_MAVEN_CRM", str(MAVEN_CRM))
    ns: dict[str, object] = {}
    for cell in json.loads(nb.read_text(encoding="utf-8"))["cells"]:
        if cell["cell_type"] == "code":
            exec("".join(cell["source"]), ns)  # noqa: S102 - the repository's own notebook
    counts["notebook"] = _open_line(capsys.readouterr().out, "the notebook")
    assert counts["funnel-report"] == counts["manager"] == counts["notebook"], counts
    assert counts["notebook"] == (2089, 500, 1589), counts
