"""Each command and its Python twin do the same work: the same records and the same files from the same inputs
(`ganbench score` and `ganbench.score`: tests/api/test_api.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import ganbench
from tests.helpers import COMMITTED_RECORDS, run_cli, write_pngs


def _with_committed_records(folder: Path) -> Path:
    shutil.copytree(COMMITTED_RECORDS, folder / "leaderboards" / "records" / COMMITTED_RECORDS.name)
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_leaderboard_and_its_twin_write_the_same_files(tmp_path):
    cli, api = (_with_committed_records(tmp_path / side) for side in ("cli", "api"))
    proc = run_cli("leaderboard", "--suite", "fashion-mnist", "--out", str(cli))
    assert proc.returncode == 0, proc.stderr
    ganbench.leaderboard(ganbench.load_records(api, "fashion-mnist"), "fashion-mnist", out=api)
    written = _files(cli)
    assert len(written) > len(list(COMMITTED_RECORDS.iterdir()))  # the board's markdown, CSVs and PNGs too
    assert written == _files(api)


def test_compare_and_its_twin_compare_the_same_records_and_write_the_same_files(tmp_path):
    cli, api = (_with_committed_records(tmp_path / side) for side in ("cli", "api"))
    proc = run_cli("compare", "fcgan", "dcgan", "--suite", "fashion-mnist", "--seed", "0,1,2", "--out", str(cli))
    assert proc.returncode == 0, proc.stderr
    result = ganbench.compare(["fcgan", "dcgan"], "fashion-mnist", seeds=[0, 1, 2], out=api)
    assert {row.kind.key for row in result.rows} >= {"fid", "kid"}
    assert _files(cli / "compare") == _files(api / "compare") != {}


@pytest.mark.slow
def test_run_on_a_suite_group_and_its_twin_write_the_same_records_and_boards(tmp_path, quick_train):
    """`--suite ore:FOLDER` (one suite per class, two real Fashion-MNIST classes standing in for the private ore
    images) and Wang et al.'s study over the group, from the command line and from `ganbench.run_suite`."""
    for name, label in (("concentrate", 1), ("waste", 8)):  # trousers and bags
        write_pngs(tmp_path / "ore" / name, quick_train.images[quick_train.labels == label][:40].numpy())
    group = f"ore:{tmp_path / 'ore'}"
    options = {"steps": 2, "metrics": "aug", "aug_per_class": 3, "aug_epochs": 1}
    flags = [f"--{k.replace('_', '-')}={v}" for k, v in options.items()]
    proc = run_cli("run", "--suite", group, "--models", "dcgan64", "--out", str(tmp_path / "cli"), *flags)
    assert proc.returncode == 0, proc.stderr
    result = ganbench.run_suite(group, ["dcgan64"], out=tmp_path / "api", **options)
    assert list(result.boards) == ["ore"] and result.boards["ore"].study  # the study's board, over both classes
    for side in ("cli", "api"):  # each class suite trained on its own
        assert len(list((tmp_path / side / "runs").glob("ore-*/dcgan64-seed0-*/checkpoint.pt"))) == 2
    (cli,), (api,) = (ganbench.load_records(tmp_path / side) for side in ("cli", "api"))
    assert cli.suite == api.suite == "ore" and cli.protocol_id == api.protocol_id
    for record in (cli, api):
        assert record.metrics["aug_detail"].pop("seconds") > 0  # the study's wall time: its own each time
    assert cli.metrics == api.metrics
    detail = cli.metrics["aug_detail"]
    assert detail["n_test"] == 16 and detail["real"]["n_train"] == 58  # 80 less 16 held out, less 6 for validation
    assert detail["generated"]["labels"] == "one generator per class" and len(cli.config["class_runs"]) == 2
    assert detail["classifier"].startswith("torchvision-mobilenet_v2")  # Wang et al.'s, at 64x64
    board = tmp_path / "cli" / "leaderboards" / "ore.md"
    assert board.read_text() == (tmp_path / "api" / "leaderboards" / "ore.md").read_text()
    rows = pd.read_csv(tmp_path / "cli" / "leaderboards" / "ore-metrics.csv")
    published = dict(zip(rows["metric"], rows["published"]))  # beside Wang et al.'s Table 2
    assert published["aug-real-accuracy"] == 83.01 and published["aug-traditional-accuracy"] == 88.27
    assert published["aug-accuracy"] == 92.38  # their DCGAN's
    text = board.read_text()
    board.unlink()
    again = run_cli("leaderboard", "--suite", "ore", "--out", str(tmp_path / "cli"))  # rebuilt from the records
    assert again.returncode == 0, again.stderr
    assert board.read_text() == text and text.count("| accuracy") >= 3
