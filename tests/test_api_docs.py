"""docs/api.md's examples, run as a user would run them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_docs_api_examples_run(tmp_path, png_sets, monkeypatch, capsys):
    """Each Python block of docs/api.md, in order, in one namespace, in an empty folder but for the committed
    records and `real_images/` (the 24 real PNGs): run_suite and compare train what they need (6 steps)."""
    shutil.copytree(png_sets[0], tmp_path / "real_images")
    shutil.copytree(ROOT / "leaderboards" / "records", tmp_path / "leaderboards" / "records")
    monkeypatch.chdir(tmp_path)
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "api.md").read_text(), re.S)
    assert len(blocks) == 7
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/api.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert re.search(r"^FID \d+\.\d\d, 95% interval \(", out, re.M)
    assert "24 generated vs 24 real, protocol" in out and "\nTrue\n" in out
    assert "refused: generated images: float images need value_range" in out
    assert namespace["comparison"].models == ["dcgan", "fcgan"] and len(namespace["board"]) == 6
    assert "McGinney" in out
