"""BEGAN (Zaika, 2025) and the original BEGAN: the control law, the convergence measure M, the networks, the
per-epoch table, resume, and M and k in records and leaderboards from real training on 64x64 Fashion-MNIST."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pandas as pd
import pytest
import torch
from torch import nn
from torchvision.models import resnet18

from ganbench.core.contracts import Record, Training
from ganbench.core.errors import GanbenchError
from ganbench.core.fileio import file_hash
from ganbench.data.quantize import to_unit
from ganbench.metrics.registry import metric_kind
from ganbench.models.base import Batch, count_parameters
from ganbench.models.registry import get_model
from ganbench.pipeline.run import plan_run, train, training_statistics
from ganbench.results.significance import difference, estimate
from ganbench.studies import began_convergence as convergence
from ganbench.suites import get_suite, suite_data
from ganbench.train.trainer import CHECKPOINT, LOG
from tests.helpers import run_cli
from zoo.began import BEGAN, convergence_measure, update_k

SUITE = "fashion-mnist64-smoke"
STEPS = 2


def build(name: str, channels: int = 1, **overrides) -> BEGAN:
    torch.manual_seed(0)
    spec = get_model(name)
    return spec.create(64, channels, {**spec.planned_hparams(), **overrides})


@pytest.fixture(scope="module")
def fashion64_batch() -> torch.Tensor:
    """16 real Fashion-MNIST images at 64x64 in [-1, 1]."""
    return to_unit(suite_data(get_suite(SUITE), "train").images[:16])


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


# ---------------------------------------------------------------------------- the control law and M

def test_control_law_gives_the_hand_computed_k_and_clips_at_0_and_1():
    gamma, lam = 0.5, 0.001
    k = update_k(0.0, 0.4, 0.1, gamma, lam)  # 0 + 0.001 * (0.2 - 0.1)
    assert k == pytest.approx(0.0001, abs=1e-15)
    k = update_k(k, 0.6, 0.05, gamma, lam)  # + 0.001 * (0.3 - 0.05)
    assert k == pytest.approx(0.00035, abs=1e-15)
    k = update_k(k, 0.2, 0.5, gamma, lam)  # 0.00035 - 0.0004 < 0: clipped
    assert k == 0.0
    k = update_k(k, 0.2, 0.5, gamma, lam)  # stays at the lower bound
    assert k == 0.0
    k = 0.0
    for expected in (0.5, 1.0, 1.0):  # lambda_k 1: 0 + 0.5, then 1.0, then clipped at 1
        k = update_k(k, 1.0, 0.0, gamma, 1.0)
        assert k == expected


def test_convergence_measure_matches_its_formula():
    assert convergence_measure(0.3, 0.1, 0.5) == pytest.approx(0.3 + 0.05)  # gamma L(x) above L_G
    assert convergence_measure(0.3, 0.2, 0.5) == pytest.approx(0.3 + 0.05)  # and below: the absolute value
    assert convergence_measure(0.3, 0.15, 0.5) == pytest.approx(0.3)  # at equilibrium M is L(x)


def test_a_training_step_logs_k_and_m_from_its_own_losses(fashion64_batch):
    model = build("began")
    model.k.fill_(0.05)  # a k inside (0, 1), so that the D loss uses it
    logged = model.train_step(Batch(fashion64_batch), model.configure_optimizers(), 0)
    gamma, lam = model.hparams["gamma"], model.hparams["lambda_k"]
    assert logged["loss_d"] == pytest.approx(logged["loss_real"] - 0.05 * logged["loss_fake"], rel=1e-6)
    assert logged["k"] == update_k(0.05, logged["loss_real"], logged["loss_g"], gamma, lam) == float(model.k)
    assert logged["M"] == convergence_measure(logged["loss_real"], logged["loss_g"], gamma)
    assert model.k.dtype == torch.float64  # the thesis's k is a Python float


# ---------------------------------------------------------------------------- the networks

def test_began_follows_the_thesis_code():
    model = build("began")
    assert model.latent_dim == 48 and model.hparams["latent"] == "normal"
    h = model.hparams
    assert (h["gamma"], h["lambda_k"], h["lr_g"], h["lr_d"], tuple(h["betas"]), h["batch_size"], h["epochs"]) == (
        0.5, 0.001, 1e-4, 1e-5, (0.5, 0.999), 64, 8)
    opt = model.configure_optimizers()
    assert opt["G"].param_groups[0]["lr"] == 1e-4 and opt["D"].param_groups[0]["lr"] == 1e-5
    z = model.sample_latent(4, torch.Generator().manual_seed(1))
    images = model.G(z)
    assert images.shape == (4, 1, 64, 64) and images.abs().max() <= 1  # tanh
    assert model.D(images).shape == images.shape  # D is an autoencoder
    # Xavier-normal gain 0.02 on G and the decoder only: tiny weights there, torchvision's init in the encoder.
    assert model.G.fc.weight.std() < 0.002 and model.D.decoder.fc.weight.std() < 0.002
    assert model.D.encoder.model.layer1[0].conv1.weight.std() > 0.02
    assert all(m.bias is None or m.bias.abs().max() == 0 for m in model.G.modules() if isinstance(m, nn.Linear))


def test_parameter_counts_are_the_thesis_layers_counted_by_hand():
    deconvs = 512 * 256 * 16 + 256 + 256 * 128 * 16 + 128 + 128 * 64 * 16 + 64 + 64 * 1 * 16 + 1
    bn = 2 * (512 + 256 + 128 + 64)
    g = 48 * 8192 + 8192 + bn + deconvs
    resnet18_without_fc = 11_689_512 - (512 * 1000 + 1000)
    encoder = resnet18_without_fc - 3 * 64 * 49 + 1 * 64 * 49  # the first convolution takes 1 channel
    d = encoder + 512 * 8192 + 8192 + bn + deconvs
    model = build("began")
    assert (count_parameters(model.G), count_parameters(model.D)) == (g, d)
    assert count_parameters(resnet18(weights=None)) == 11_689_512  # the number used above


@pytest.mark.parametrize("channels", [1, 3])
def test_the_encoders_first_convolution_takes_the_suites_channels(channels):
    conv1 = build("began", channels).D.encoder.model.conv1
    assert (conv1.in_channels, conv1.out_channels, conv1.kernel_size, conv1.stride, conv1.padding) == (
        channels, 64, (7, 7), (2, 2), (3, 3))
    assert build("began-original", channels).D(torch.zeros(2, channels, 64, 64)).shape == (2, channels, 64, 64)


def test_zoo_json_lists_both_begans_with_their_built_counts():
    result = run_cli("zoo", "--json")
    assert result.returncode == 0, result.stderr
    models = {m["name"]: m for m in json.loads(result.stdout)["models"]}
    for name in ("began", "began-original"):
        for channels in (1, 3):
            model = build(name, channels)
            assert models[name]["params"][f"64x64x{channels}"] == {
                "G": count_parameters(model.G), "D": count_parameters(model.D)}


def test_original_began_has_elu_no_batch_norm_and_uniform_noise(fashion64_batch):
    model = build("began-original")
    kinds = {type(m) for m in model.modules()}
    assert nn.ELU in kinds and not kinds & {nn.BatchNorm2d, nn.ReLU, nn.Tanh}
    z = model.sample_latent(2000, torch.Generator().manual_seed(0))
    assert z.min() >= -1 and z.max() <= 1 and z.mean().abs() < 0.02 and z.std() == pytest.approx(3 ** -0.5, rel=0.05)
    # The generator has the decoder's architecture, not its weights.
    assert [type(m) for m in model.G.modules()][1:] == [type(m) for m in model.D.decoder.modules()][1:]
    logged = model.train_step(Batch(fashion64_batch[:8]), model.configure_optimizers(), 0)
    assert all(math.isfinite(v) for v in logged.values()) and 0 <= logged["k"] <= 1


# ---------------------------------------------------------------------------- ImageNet weights from a local file

def test_encoder_takes_imagenet_weights_from_a_local_file_and_the_config_says_so(tmp_path, monkeypatch):
    torch.manual_seed(3)
    state = resnet18(weights=None).state_dict()  # a real ResNet18 state dict, as torchvision saves one
    path = tmp_path / "resnet18.pth"
    torch.save(state, path)
    monkeypatch.setenv("GANBENCH_RESNET18_WEIGHTS", str(path))
    hparams = get_model("began").planned_hparams()
    assert hparams["encoder_init"] == "imagenet (resnet18.pth)"
    assert hparams["encoder_weights"] == {"file": str(path.resolve()), "sha256": file_hash(path)}
    model = build("began", 1, **hparams)
    before = model.D.encoder.model.conv1.weight.clone()
    model.load_initial_weights()
    encoder = model.D.encoder.model
    assert torch.equal(encoder.layer4[1].conv2.weight, state["layer4.1.conv2.weight"])
    assert torch.equal(encoder.bn1.running_var, state["bn1.running_var"])
    assert torch.equal(encoder.conv1.weight, before)  # the replaced first convolution keeps its own init

    path.write_bytes(b"not a state dict")
    with pytest.raises(GanbenchError, match="changed since the run was planned"):
        model.load_initial_weights()
    monkeypatch.setenv("GANBENCH_RESNET18_WEIGHTS", str(path))
    broken = build("began", 1, **get_model("began").planned_hparams())
    with pytest.raises(GanbenchError, match="is not a ResNet18 state dict"):
        broken.load_initial_weights()
    monkeypatch.setenv("GANBENCH_RESNET18_WEIGHTS", str(tmp_path / "missing.pth"))
    with pytest.raises(GanbenchError, match="no such file"):
        get_model("began").planned_hparams()


def test_without_weights_the_encoder_is_random_and_the_config_says_so(monkeypatch, tmp_path):
    monkeypatch.delenv("GANBENCH_RESNET18_WEIGHTS", raising=False)
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))  # no torchvision cache there
    hparams = get_model("began").planned_hparams()
    assert hparams["encoder_weights"] is None and hparams["encoder_init"].startswith("random")


# ---------------------------------------------------------------------------- the per-epoch table

def test_per_epoch_table_takes_step_900_and_the_epoch_mean():
    spe = 937  # 60,000 images at batch 64, full batches only
    log = [{"step": s, "epoch": (s - 1) // spe + 1, "M": s / 1000, "k": s / 1e6} for s in range(1, 2 * spe + 11)]
    rows = convergence.per_epoch(log, spe)
    assert [r["epoch"] for r in rows] == [1, 2, 3] and [r["steps"] for r in rows] == [spe, spe, 10]
    assert rows[0]["M_at_log_step"] == 0.9 and rows[1]["M_at_log_step"] == (spe + 900) / 1000
    assert rows[1]["k_at_log_step"] == (spe + 900) / 1e6
    assert rows[0]["M_mean"] == pytest.approx((1 + spe) / 2 / 1000)
    assert rows[2]["M_at_log_step"] is None  # a partial epoch never reached step 900
    summary = convergence.summarize(log, spe, up_to_step=spe + 5)  # a checkpoint taken mid-epoch 2
    assert summary["final"]["k"] == (spe + 5) / 1e6 and summary["epochs"][-1]["steps"] == 5
    assert convergence.summarize([{"step": 1, "epoch": 1, "loss_d": 0.3}], spe) is None  # no M: no summary


def test_began_declares_m_and_k_as_its_training_statistics_and_a_damaged_log_costs_them_not_the_score(tmp_path):
    began, dcgan = build("began-original"), get_model("dcgan64").create(64, 1, get_model("dcgan64").planned_hparams())
    log = tmp_path / LOG
    # A last line cut mid-write (a hard kill) is dropped: the summary comes from the intact lines.
    log.write_text('{"step": 1, "epoch": 1, "M": 0.5, "k": 0.25}\n{"step": 2, "ep')
    stats = training_statistics(began, log, 10, 2)
    assert stats.summary["final"]["step"] == 1
    assert stats.values == {metric_kind("began-m").value_key: 0.5, metric_kind("began-k").value_key: 0.25}
    assert training_statistics(dcgan, log, 10, 2) is None  # a model without the statistic: nothing recorded
    # Damage before the last line costs the summary, not the score.
    log.write_text('{"step": 1, "ep\n{"step": 2, "epoch": 1, "M": 0.5, "k": 0.0}\n')
    assert training_statistics(began, log, 10, 2) is None
    assert training_statistics(began, tmp_path / "absent.jsonl", 10, 2) is None


# ---------------------------------------------------------------------------- real training, records, boards

@pytest.fixture(scope="module")
def began_run(tmp_path_factory):
    """BEGAN and DCGAN-64 trained 2 steps on 64x64 Fashion-MNIST, scored, and put on one leaderboard. Scored with
    KID alone: M and k come from the training log, and FID's 2048 x 2048 eigendecompositions (a final score and
    a curve point each) would triple the scoring's time."""
    out = tmp_path_factory.mktemp("began-run")
    result = run_cli("run", "--suite", SUITE, "--models", "began,dcgan64", "--steps", str(STEPS), "--metrics", "kid",
                     "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out, result


def run_dir(out, model: str):
    return next((out / "runs" / SUITE).glob(f"{model}-seed0-*"))


@pytest.mark.slow
def test_training_logs_finite_m_and_k_at_every_step_and_draws_them(began_run):
    out, result = began_run
    log = read_jsonl(run_dir(out, "began") / LOG)
    assert [r["step"] for r in log] == list(range(1, STEPS + 1))
    for r in log:
        assert math.isfinite(r["M"]) and 0 <= r["k"] <= 1
        assert r["M"] == convergence_measure(r["loss_real"], r["loss_g"], 0.5)
    assert log[-1]["k"] > 0  # early on gamma L(x) > L_G: k rises from 0
    assert "M " in result.stderr and " k " in result.stderr  # the progress bar shows them
    assert (run_dir(out, "began") / "convergence.png").stat().st_size > 10_000
    assert not (run_dir(out, "dcgan64") / "convergence.png").exists()


@pytest.mark.slow
def test_record_holds_the_final_m_and_k_and_other_models_none(began_run):
    out, _ = began_run
    log = read_jsonl(run_dir(out, "began") / LOG)
    record = json.loads((run_dir(out, "began") / "record.json").read_text())
    assert record["metrics"]["began_k"] == log[-1]["k"]
    assert record["metrics"]["began_m"] == pytest.approx(sum(r["M"] for r in log) / len(log))
    assert record["training"]["convergence"]["epochs"][0]["steps"] == STEPS
    assert record["config"]["hparams"]["encoder_init"].startswith(("random", "imagenet"))
    other = json.loads((run_dir(out, "dcgan64") / "record.json").read_text())
    assert "began_m" not in other["metrics"] and "convergence" not in other["training"]
    # Scoring the checkpoint alone reads the log beside it.
    result = run_cli("score", "--checkpoint", str(run_dir(out, "began") / CHECKPOINT), "--suite", SUITE,
                     "--n-fake", "10", "--metrics", "kid", "--json")
    assert result.returncode == 0, result.stderr
    scored = json.loads(result.stdout)
    assert (scored["metrics"]["began_m"], scored["metrics"]["began_k"]) == (
        record["metrics"]["began_m"], record["metrics"]["began_k"])


@pytest.mark.slow
def test_leaderboard_shows_m_with_a_dash_and_footnote_and_the_published_trajectory(began_run):
    out, _ = began_run
    board = (out / "leaderboards" / f"{SUITE}.md").read_text()
    rows = {line.split("|")[2].strip(): line for line in board.splitlines() if line.startswith("| ") and "seed" not in line}
    header = next(line for line in board.splitlines() if line.startswith("| rank"))
    m_col = [c.strip() for c in header.split("|")].index("M³")
    assert [c.strip() for c in rows["dcgan64"].split("|")][m_col] == "–"
    assert float([c.strip() for c in rows["began"].split("|")][m_col]) > 0
    assert "³ BEGAN's convergence measure" in board and "never 0" in board
    table = pd.read_csv(out / "leaderboards" / f"{SUITE}-convergence.csv")
    assert list(table["model"]) == ["began"] and table["published M"].iloc[0] == 0.2177  # the thesis's epoch 1
    assert (out / "leaderboards" / f"{SUITE}-convergence.png").is_file()
    assert "## BEGAN convergence" in board
    metrics = pd.read_csv(out / "leaderboards" / f"{SUITE}-metrics.csv")
    m_row = metrics[metrics["metric"] == "began-m"].iloc[0]
    assert m_row["model"] == "began" and pd.isna(m_row["rank"])  # M ranks no model against another


@pytest.mark.slow
def test_a_random_encoder_is_said_when_training_starts_and_beside_every_m_and_k(began_run):
    """Offline (the test suite's TORCH_HOME holds no ResNet18 file) began's encoder starts random: the run says
    so, the runs table and the metric table show it, and the thesis's trajectory is marked not comparable."""
    out, result = began_run
    assert result.stderr.count("encoder starts from a random initialisation") == 1
    board = (out / "leaderboards" / f"{SUITE}.md").read_text()
    header = next(line for line in board.splitlines() if line.startswith("| rank"))
    col = [c.strip() for c in header.split("|")].index("encoder³")
    rows = {line.split("|")[2].strip(): [c.strip() for c in line.split("|")]
            for line in board.splitlines() if line.startswith("| ") and "seed" not in line}
    assert (rows["began"][col], rows["dcgan64"][col]) == ("random", "–")
    table = pd.read_csv(out / "leaderboards" / f"{SUITE}-convergence.csv")
    assert list(table["encoder"]) == ["random"]
    assert table["versus published"].iloc[0].startswith("not comparable: random encoder")
    section = board[board.index("## BEGAN convergence"):]
    assert "| began | 0 | random | 1 |" in section and "not comparable: random encoder" in section
    metrics = pd.read_csv(out / "leaderboards" / f"{SUITE}-metrics.csv")
    for key in ("began-m", "began-k"):
        assert metrics[metrics["metric"] == key]["note"].iloc[0] == "encoder: random"


def test_an_imagenet_encoder_makes_the_thesis_trajectory_comparable():
    record = Record(model="began", suite="began-thesis", seed=0, metrics={}, protocol={"id": "x"}, samples={},
                    environment={},
                    config={"hparams": {"encoder_init": "imagenet (resnet18.pth)"}},
                    training=Training(convergence={"epochs": [{"epoch": 1, "steps": 938, "M_mean": 0.2, "k_mean": 0.05,
                                                                 "M_at_log_step": 0.21, "k_at_log_step": 0.06}]}))
    published = pd.DataFrame([{"model": "began", "metric": "began-m@epoch1", "value": 0.2177},
                              {"model": "began", "metric": "began-k@epoch1", "value": 0.0770}])
    row = convergence.comparison_table([record], published).iloc[0]
    assert (row["encoder"], row["versus published"], row["published M"]) == ("imagenet", "comparable", 0.2177)
    original = replace(record, model="began-original", config={"hparams": {}})
    assert convergence.comparison_table([original], published).iloc[0]["encoder"] == "–"


def test_m_is_never_a_verdict_between_two_models():
    a = estimate(metric_kind("began-m"), [{"began_m": 0.20}])
    b = estimate(metric_kind("began-m"), [{"began_m": 0.08}])
    d = difference(metric_kind("began-m"), a, b)
    assert d.difference == pytest.approx(-0.12) and d.p_value is None and d.better is None
    assert "own training statistic" in d.method


@pytest.mark.slow
def test_resume_restores_k_exactly(tmp_path, began_run):
    out, _ = began_run
    suite = get_suite(SUITE)
    data = suite_data(suite, "train")
    plan = plan_run("began", suite, 0, tmp_path, data, steps=STEPS)
    first = train(plan, data, torch.device("cpu"), stop_after=1)
    assert not first.finished
    train(plan, data, torch.device("cpu"))  # resumes from step 1
    def without_time(log):
        return [{k: v for k, v in r.items() if k != "time"} for r in log]

    straight = read_jsonl(run_dir(out, "began") / LOG)
    assert without_time(read_jsonl(plan.run_dir / LOG)) == without_time(straight)  # every loss, k and M equal
    k = torch.load(plan.run_dir / CHECKPOINT, weights_only=True)["model"]["k"]
    assert k.item() == straight[-1]["k"]
