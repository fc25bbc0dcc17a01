"""What people and machines read: messages never wrapped off a terminal, names shown whole, every number beside
what it is read against, and one way of writing a value with its interval."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from pathlib import Path

from ganbench.cli import render
from ganbench.core.progress import warn
from ganbench.metrics.registry import metric_kind
from ganbench.suites import SUITES
from tests.helpers import run_cli, write_pngs

REFERENCE = Path(__file__).resolve().parents[2] / "leaderboards"


def test_a_long_warning_stays_on_one_line_when_stderr_is_not_a_terminal():
    message = "converting the FID Inception weights from " + "/tmp/a/rather/deep/folder" * 8 + "/pt_inception.pth"
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        warn(message)
    assert err.getvalue() == f"warning: {message}\n"  # grep in a CI log finds it whole


def test_suites_shows_every_name_whole_for_a_user_to_type(monkeypatch):
    monkeypatch.setattr(render.stdout, "width", 100)  # a narrow terminal: the other columns wrap instead
    proc = run_cli("suites")
    assert proc.returncode == 0, proc.stderr
    first_cells = {line.split("│")[1].strip() for line in proc.stdout.splitlines() if line.startswith("│")}
    assert set(SUITES) <= first_cells, set(SUITES) - first_cells
    assert "…" not in proc.stdout


def test_zoo_shows_every_model_name_whole(monkeypatch):
    monkeypatch.setattr(render.stdout, "width", 80)
    proc = run_cli("zoo")
    assert proc.returncode == 0, proc.stderr
    first_cells = {line.split("│")[1].strip() for line in proc.stdout.splitlines() if line.startswith("│")}
    assert {"fcgan", "dcgan", "began-original", "wgan-improved"} <= first_cells


def test_score_prints_what_fid_is_read_against(tmp_path, quick_test, quick_train):
    """The table's FID beside the FID between two halves of the real set and FID's bias at the counts, as the
    JSON holds them and as compare uses them."""
    write_pngs(tmp_path / "real", quick_test.images[:12].numpy())
    write_pngs(tmp_path / "fake", quick_train.images[:12].numpy())
    args = ("score", "--real", str(tmp_path / "real"), "--fake", str(tmp_path / "fake"), "--metrics", "fid")
    as_json = json.loads(run_cli(*args, "--json").stdout)
    proc = run_cli(*args)
    assert proc.returncode == 0, proc.stderr
    halves = as_json["real_reference"]
    assert halves["n_each"] == 6
    reference = [line for line in proc.stdout.splitlines() if line.startswith("reference:")]
    assert reference and f"({halves['n_each']} images each) are FID {halves['fid_between_halves']:.4g} apart" \
        in reference[0]
    # The larger of the bootstrap's bias estimate and the halves' FID scaled to the scoring's count (FID ~ 1/n)
    expected = max(as_json["metrics"]["fid_bootstrap_bias"], halves["fid_between_halves"] * halves["n_each"] / 12)
    bias = [line for line in proc.stdout.splitlines() if line.startswith("bias:")]
    assert bias and f"up to {expected:.3g} above" in bias[0]


def test_values_with_intervals_are_written_one_way():
    """Half-width to 2 significant digits and the value to the same place; a percentage's sign once."""
    fid, kid, ic = metric_kind("fid"), metric_kind("kid"), metric_kind("ic-strong-error")
    assert fid.format(26.49, half_width=3.98) == "26.5 ± 4.0"
    assert fid.format(117.9, half_width=15.3) == "118 ± 15"
    assert kid.format(0.01486, half_width=0.0034) == "0.0149 ± 0.0034"
    assert ic.format(4.017, half_width=1.9) == "4.0 ± 1.9%"
    assert ic.format(4.017) == "4.017%" and ic.format(-1.25, signed=True) == "-1.25 pp"
    assert fid.format(26.49) == "26.49" and fid.format(26.49, half_width=0.0) == "26.49"  # no noise: no ±


def test_compare_and_the_leaderboard_write_intervals_and_spreads_as_they_are(tmp_path):
    """The committed fashion-mnist records: compare's console shows FID as 26.5 ± 4.0 and the strong classifier's
    error with its % sign; the leaderboard's JSON names FID's 95% half-width and KID's standard deviation so."""
    shutil.copytree(REFERENCE / "records" / "fashion-mnist", tmp_path / "leaderboards" / "records" / "fashion-mnist")
    proc = run_cli("compare", "dcgan", "fcgan", "--suite", "fashion-mnist", "--seed", "0,1,2", "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    fid_row = next(line for line in proc.stdout.splitlines() if line.startswith("│ FID"))
    assert "26.5 ± 4.0" in fid_row and "118 ± 15" in fid_row
    ic_row = next(line for line in proc.stdout.splitlines() if line.startswith("│ strong IC error"))
    assert "4.0 ± 1.9%" in ic_row and " pp " in ic_row
    board = run_cli("leaderboard", "--suite", "fashion-mnist", "--out", str(tmp_path), "--json")
    rows = json.loads(board.stdout)["rows"]
    assert "FID ±95%" in rows[0] and "KID std" in rows[0] and "FID ±" not in rows[0]
    first = rows[0]
    record = json.loads(next((tmp_path / "leaderboards" / "records" / "fashion-mnist").glob(
        f"{first['model']}-seed{first['seed']}-*.json")).read_text())["metrics"]
    assert abs(first["FID ±95%"] - (record["fid_ci_high"] - record["fid_ci_low"]) / 2) < 1e-9  # the half-width,
    assert abs(first["FID ±95%"] / (1.96 * record["fid_bootstrap_std"]) - 1) < 1e-4  # 1.96 standard errors


def test_fids_interval_is_described_one_way_wherever_a_user_reads_it():
    """FID ± 1.96 bootstrap standard errors over generated samples (a normal interval), never percentiles: in the
    API docs, the metrics page, the result's docstring, the registry's words the tables print, and the board."""
    from ganbench.metrics.registry import Noise
    from ganbench.metrics.result import ScoreResult

    root = REFERENCE.parent
    texts = {
        "docs/api.md": (root / "docs" / "api.md").read_text(),
        "docs/metrics.md": (root / "docs" / "metrics.md").read_text(),
        "ScoreResult.intervals": ScoreResult.intervals.__doc__,
        "the tables' words": Noise.BOOTSTRAP.value,
        "the committed board": (REFERENCE / "fashion-mnist.md").read_text(),
    }
    for where, text in texts.items():
        flat = " ".join(text.split())
        assert "1.96 bootstrap standard errors" in flat or "1.96 × bootstrap standard error" in flat, where
        said = [s for s in flat.split(". ") if "percentile" in s]
        assert all("not used" in s for s in said), (where, said)
    metrics_page = " ".join(texts["docs/metrics.md"].split())
    assert "`fid_bootstrap_bias`" in metrics_page and "bias" in texts["the committed board"]
