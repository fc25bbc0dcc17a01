"""docs/api.md's examples, run as a user would run them."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_docs_api_examples_run(smoke_copy, png_sets, monkeypatch, capsys):
    """Each Python block of docs/api.md, in order, in one namespace, in a folder with the smoke run's runs/ (6
    steps a model, as the examples ask: compare reuses them), the committed records and `real_images/` (the 24
    real PNGs)."""
    shutil.copytree(png_sets[0], smoke_copy / "real_images")
    shutil.copytree(ROOT / "leaderboards" / "records", smoke_copy / "leaderboards" / "records")
    monkeypatch.chdir(smoke_copy)
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "docs" / "api.md").read_text(), re.S)
    assert len(blocks) == 7
    fcgan_record = next(smoke_copy.glob("runs/fashion-mnist-smoke/fcgan-*/record.json"))
    before = fcgan_record.read_bytes()
    namespace: dict = {}
    for block in blocks:
        exec(compile(block, "docs/api.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert fcgan_record.read_bytes() == before  # run_suite(reuse=True) kept the record that serves
    assert re.search(r"^FID \d+\.\d\d, 95% interval \(", out, re.M)
    assert "24 generated vs 24 real, protocol" in out and "\nTrue\n" in out
    assert "refused: generated images: float images need value_range" in out
    assert namespace["comparison"].models == ["dcgan", "fcgan"] and len(namespace["board"]) == 6
    assert "McGinney" in out
