"""A metric's settings are declared in its own module and reached by name: `--set METRIC.NAME=VALUE` on the
command line, `settings={"METRIC.NAME": VALUE}` in Python, for built-in and plugged-in metrics alike."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

import ganbench
from ganbench.metrics import registry
from ganbench.metrics import settings as metric_settings
from ganbench.metrics.protocol import metric_protocol_id
from tests.helpers import assert_one_line_error, run_cli, run_cli_process, write_pngs

# One file, outside ganbench, exposed through an entry point as an installed plugin is: a metric with one setting
# (the norm of the distance between the two sets' mean features), on whatever features the scoring extracts.
PLUGIN = '''
import ganbench

GAP = ganbench.MetricKind(key="norm-gap", label="norm gap", direction=ganbench.Direction.LOWER,
                          noise=ganbench.Noise.SEEDS, value_key="norm_gap")


def compute(inputs):
    gap = inputs.fake.double().mean(0) - inputs.real.double().mean(0)
    return {"norm_gap": float(gap.norm(p=inputs.settings.get("norm-gap.p")))}


METRIC = ganbench.Metric(name="norm-gap", help="the distance of the mean features in a chosen norm", kinds=(GAP,),
                         compute=compute,
                         options=(ganbench.Setting(name="p", type=float, default=2.0, low=1, help="The norm."),))
'''


@pytest.fixture
def plugin(tmp_path, monkeypatch):
    (tmp_path / "normgap.py").write_text(PLUGIN)
    dist = tmp_path / "normgap-0.1.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: normgap\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[ganbench.metrics]\nnorm-gap = normgap:METRIC\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    registry._all.cache_clear()
    yield tmp_path
    registry._all.cache_clear()
    sys.modules.pop("normgap", None)


def test_a_plugged_in_metrics_setting_is_reached_from_python_and_the_command_line(plugin, quick_train, quick_test):
    real, fake = plugin / "real", plugin / "fake"  # 8 images each: the gap needs no more
    write_pngs(real, quick_test.images[:8].numpy())
    write_pngs(fake, quick_train.images[:8].numpy())
    euclid = ganbench.score(real, fake, metrics="norm-gap")
    l1 = ganbench.score(real, fake, metrics="norm-gap", settings={"norm-gap.p": 1})
    assert euclid.protocol["settings"]["norm-gap.p"] == 2.0 and l1.protocol["settings"]["norm-gap.p"] == 1.0
    # The L1 norm of 2048 differences is far above their Euclidean norm (between 1 and sqrt(2048) times it).
    assert euclid.metrics["norm_gap"] < l1.metrics["norm_gap"] < 2048 ** 0.5 * euclid.metrics["norm_gap"]
    kind = registry.metric_kind("norm-gap")
    ids = {metric_protocol_id(kind, r.protocol) for r in (euclid, l1)}
    assert len(ids) == 2 and all(i.startswith(euclid.protocol_id + "/norm-gap-") for i in ids)
    proc = run_cli_process("score", "--real", str(real), "--fake", str(fake), "--metrics", "norm-gap",
                           "--set", "norm-gap.p=1", "--json", env={"PYTHONPATH": str(plugin)})
    assert proc.returncode == 0, proc.stderr
    printed = json.loads(proc.stdout)
    assert printed["metrics"]["norm_gap"] == pytest.approx(l1.metrics["norm_gap"], rel=1e-9)
    assert printed["protocol"]["settings"]["norm-gap.p"] == 1.0
    # In this process too (the plugin is on its path): `--set`'s help, which a fresh `ganbench score --help`
    # prints, lists the setting with its default, and a value below its declared lowest is refused.
    assert "norm-gap.p (2.0)" in metric_settings.settings_help()
    bad = run_cli("score", "--real", str(real), "--fake", str(fake), "--metrics", "norm-gap", "--set", "norm-gap.p=0.5")
    assert_one_line_error(bad, "norm-gap.p must be at least 1, not 0.5")


def test_a_built_in_setting_by_name_is_its_older_flag():
    """`--set kid.subset_size=500` is `--kid-subset-size 500`: the same field of the scoring's settings."""
    import torch

    from ganbench.pipeline.evaluate import ScoreOptions

    by_name = ScoreOptions(device=torch.device("cpu"), metrics=("kid",), given=("kid.subset_size=50",)).scorer()
    by_flag = ScoreOptions(device=torch.device("cpu"), metrics=("kid",), kid_subset_size=50).scorer()
    assert by_name.settings == by_flag.settings and by_name.settings.kid_subset_size == 50


@pytest.mark.parametrize("given, fragment", [
    (["kid.subset_size"], "--set takes METRIC.NAME=VALUE, such as kid.subset_size=500, not 'kid.subset_size'"),
    (["kid.size=3"], "unknown setting 'kid.size' (known: fid.bootstrap, kid.subsets, kid.subset_size"),
    (["kid.subsets=many"], "kid.subsets takes an integer, not 'many'"),
    (["kid.subsets=2.5"], "kid.subsets takes an integer, not '2.5'"),
    (["kid.subset_size=1"], "kid.subset_size must be at least 2, not 1"),
    (["is.splits=4"], "is.splits is a setting of is, which this scoring does not compute (--metrics fid,kid)"),
], ids=["no value", "unknown", "not a number", "not an integer", "too small", "not scored"])
def test_a_bad_setting_is_refused_in_one_line_before_any_work(given, fragment, tmp_path):
    args = [f"--set={g}" for g in given]
    assert_one_line_error(run_cli("score", "--real", str(tmp_path), "--fake", str(tmp_path), *args), fragment)


def test_one_setting_spelled_twice_takes_one_value():
    assert metric_settings.parse({"pr.k": 4, "dc.k": 4}, ("pr", "dc")) == {"neighbours": 4}
    with pytest.raises(ganbench.GanbenchError, match="pr.k and dc.k are one setting: give it one value, not 4 and 5"):
        metric_settings.parse({"pr.k": 4, "dc.k": 5}, ("pr", "dc"))


def test_every_built_in_setting_is_declared_once_with_its_default_and_help():
    declared = metric_settings.declared()
    assert {"fid.bootstrap", "kid.subsets", "kid.subset_size", "is.splits", "pr.k", "dc.k", "fid-inf.points",
            "aug.per_class", "aug.epochs"} <= set(declared)
    for name, (metric, setting) in declared.items():
        assert setting.help.endswith(".") and metric_settings.default(metric, setting) is not None, name
    helped = " ".join(run_cli("score", "--help").stdout.split())
    assert "--set METRIC.NAME=VALUE" in helped and "kid.subset_size (1000)" in helped and "aug.epochs (500)" in helped
    assert metric_settings.default(*declared["kid.subset_size"]) == 1000 and np.isclose(
        metric_settings.default(*declared["fid.bootstrap"]), 100)


def test_docs_cli_lists_every_built_in_setting_as_the_registry_declares_it():
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "cli.md").read_text()
    for name, (metric, setting) in metric_settings.declared().items():
        assert f"| `{name}` | {metric_settings.default(metric, setting)} | {setting.help} |" in text, name
