"""One metric registry: every metric declares what it needs and reports; a metric registered from outside the
package (docs/plugins.md's worked example, run as written) is scored, kept in records, and shown by the
leaderboard, compare and gate."""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import torch

import ganbench
from ganbench.data import load_images
from ganbench.metrics import registry
from ganbench.metrics.scorer import Scorer
from ganbench.pipeline.records import board_records
from ganbench.results import compare as comparing
from ganbench.results.gate import Threshold, make_baseline
from ganbench.results.gate import compare as gate_compare
from tests.helpers import run_cli

ROOT = Path(__file__).resolve().parents[2]


def test_the_registry_is_one_table_of_unique_names_and_keys():
    selectable = [m.name for m in registry.metrics()]
    assert selectable == ["fid", "kid", "is", "pr", "dc", "fid-inf", "ic-strong", "ic-weak", "aug"]
    every = registry.metrics(selectable=False)
    keys = [k.key for m in every for k in m.kinds]
    assert len(keys) == len(set(keys)) == len(registry.kinds())
    assert {m.name for m in every} - set(selectable) == {"began-convergence", "parameters"}
    assert all(m.help and m.kinds for m in every)
    assert [k.key for k in registry.kinds()][:2] == ["fid", "kid"]  # the tables' order: FID first
    assert registry.metric_kind("began-m@epoch8").label == "BEGAN M"
    assert [m.name for m in every if m.curve] == ["fid", "kid"]
    proc = run_cli("score", "--help")
    assert "fid, kid, is, pr, dc, fid-inf, ic-strong, ic-weak, aug" in " ".join(proc.stdout.split())


def test_a_metric_with_a_compute_function_or_a_known_name_is_checked():
    fid = registry.get_metric("fid")
    with pytest.raises(ValueError, match="needs a compute function"):
        ganbench.Metric(name="nothing", help="computes nothing", kinds=fid.kinds)
    with pytest.raises(ganbench.GanbenchError, match="already registered"):
        ganbench.register_metric(fid)
    clash = ganbench.Metric(name="fid2", help="FID again", kinds=fid.kinds, compute=fid.compute)
    with pytest.raises(ganbench.GanbenchError, match="reports 'fid', which another metric reports already"):
        ganbench.register_metric(clash)


@pytest.fixture
def mean_gap():
    """docs/plugins.md's worked example, executed as written, and taken out again afterwards."""
    text = (ROOT / "docs" / "plugins.md").read_text()
    block = re.search(r"```python\n# mean_gap.py\n(.*?)```", text, re.S).group(1)
    namespace: dict = {}
    exec(compile(block, "docs/plugins.md", "exec"), namespace)
    yield namespace["METRIC"]
    registry.unregister_metric("mean-gap")


@pytest.mark.slow
def test_a_metric_registered_from_outside_is_scored_recorded_and_shown_everywhere(mean_gap, png_sets, tmp_path):
    real, fake = png_sets
    # score, from Python and from the command line: the gap of the two sets' mean Inception features.
    result = ganbench.score(real, fake, metrics=("fid", "mean-gap"), bootstrap=0)
    scorer = Scorer(torch.device("cpu"))
    f_real = scorer.real(load_images(real)).features.double()
    f_fake = scorer.fake_from_images(load_images(fake).images).pool.double()
    expected = float((f_fake.mean(0) - f_real.mean(0)).norm())
    assert result.values["mean-gap"] == pytest.approx(expected, rel=1e-9) and expected > 0.5
    assert result.values["mean-gap"] ** 2 < result.values["fid"]  # FID adds the covariance term to its square
    proc = run_cli("score", "--real", str(real), "--fake", str(fake), "--metrics", "mean-gap")
    assert proc.returncode == 0, proc.stderr
    assert re.search(rf"mean feature gap +│ +{expected:.4g} ", proc.stdout), proc.stdout
    # Its one setting, declared in that file: the gap in the L1 norm, its own protocol id.
    l1 = ganbench.score(real, fake, metrics="mean-gap", settings={"mean-gap.p": 1})
    assert l1.values["mean-gap"] == pytest.approx(float((f_fake.mean(0) - f_real.mean(0)).norm(p=1)), rel=1e-9)
    assert l1.protocol["settings"]["mean-gap.p"] == 1.0

    # The leaderboard, compare and gate, from the committed records with the metric added to each.
    suite = "fashion-mnist"
    shutil.copytree(ROOT / "leaderboards" / "records" / suite, tmp_path / "leaderboards" / "records" / suite)
    records = [replace(r, metrics={**r.metrics, "mean_gap": (1.0 if r.model == "dcgan" else 4.0) + 0.1 * i})
               for i, r in enumerate(board_records(tmp_path, suite))]
    board = (tmp_path / "leaderboards" / f"{suite}.md")
    ganbench.leaderboard(records, out=tmp_path)
    rows = [line for line in board.read_text().splitlines() if line.startswith("| mean feature gap")]
    assert len(rows) == 2 and "(lower is better)" in rows[0] and "| 1 | dcgan |" in rows[0]
    by_model = {m: [r for r in records if r.model == m] for m in ("dcgan", "fcgan")}
    comparison = comparing.build(by_model, suite)
    row = next(r for r in comparison.rows if r.kind.key == "mean-gap")
    assert comparison.verdict(row, "fcgan").startswith("dcgan better")
    newest = {f"{r.model}/seed{r.seed}": r for r in records}
    baseline = make_baseline(newest, suite)
    worse = {k: replace(r, metrics={**r.metrics, "mean_gap": r.metrics["mean_gap"] + 1}) for k, r in newest.items()}
    assert {row.status for row in gate_compare(baseline, newest, [mean_gap.kinds[0]], Threshold(0.0, False))} \
        == {"unchanged"}
    assert {row.status for row in gate_compare(baseline, worse, [mean_gap.kinds[0]], Threshold(0.5, False))} \
        == {"regressed"}


def test_a_kind_with_a_runs_column_gets_its_column_in_the_table_of_runs(tmp_path):
    """The runs table's columns are the registry's: a registered kind with a `runs_column` is a column of the
    markdown (value ± its 95% half-width, at its scale and digits) and of the CSV (value and spread as
    recorded); an optional one appears only where some run has a value."""
    import pandas as pd

    from ganbench.metrics.registry import RunsColumn

    gap = ganbench.MetricKind(key="gap", label="gap", direction=ganbench.Direction.LOWER,
                              noise=ganbench.Noise.SUBSET_STD, value_key="gap",
                              spread_keys=("gap_std",),
                              runs_column=RunsColumn(name="gap", heading="gap ×10 ± 95%", spread="gap std",
                                                     spread_is_std=True,
                                                     scale=10, digits=1))
    other = ganbench.MetricKind(key="other", label="other", direction=ganbench.Direction.LOWER,
                                noise=ganbench.Noise.SEEDS,
                                runs_column=RunsColumn(name="other", heading="other", optional=True))
    ganbench.register_metric(ganbench.Metric(name="gap", help="a test's gap", kinds=(gap, other), compute=lambda x: {}))
    try:
        suite = "fashion-mnist"
        records = [replace(r, metrics={**r.metrics, "gap": 0.5 + i, "gap_std": 0.01})
                   for i, r in enumerate(board_records(ROOT, suite))]
        ganbench.leaderboard(records, out=tmp_path)
        lines = (tmp_path / "leaderboards" / f"{suite}.md").read_text().splitlines()
        header = next(line for line in lines if line.startswith("| rank"))
        cells = [c.strip() for c in header.split("|")]
        assert cells[4:7] == ["FID ± 95%²", "KID ×10³ ± 95%²", "gap ×10 ± 95%"] and "other" not in cells
        first = next(line for line in lines if line.startswith("| 1 |"))
        seed = int(first.split("|")[3])
        model = first.split("|")[2].strip()
        i = next(i for i, r in enumerate(records) if r.model == model and r.seed == seed)
        assert first.split("|")[6].strip() == f"{(0.5 + i) * 10:.1f} ± {1.96 * 0.01 * 10:.1f}"
        csv = pd.read_csv(tmp_path / "leaderboards" / f"{suite}.csv")
        assert list(csv.columns[4:10]) == ["FID", "FID ±95%", "KID", "KID std", "gap", "gap std"]
        assert "other" not in lines[0] and csv["other"].isna().all()
    finally:
        registry.unregister_metric("gap")


def test_a_metric_is_named_by_its_name_or_by_a_number_it_reports_everywhere():
    """One grammar for score's --metrics and gate's: `pr` or `precision`, `ic-strong` or `ic-strong-error`."""
    from ganbench.metrics.registry import parse_kinds, parse_metrics

    assert parse_metrics("precision,recall,fid") == ("pr", "fid")
    assert parse_metrics(["ic-strong-error", "ic-strong"]) == ("ic-strong",)
    assert [k.key for k in parse_kinds("pr,kid")] == ["precision", "recall", "kid"]
    assert [k.key for k in parse_kinds("ic-strong,recall")] == ["ic-strong-error", "recall"]
    with pytest.raises(ganbench.GanbenchError,
                       match="unknown metric 'prec'.*pr.*or a number one reports: .*precision"):
        parse_metrics("prec")
