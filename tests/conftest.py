"""Shared fixtures: an isolated cache, offline mode, real Fashion-MNIST images, a CLI runner."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

if os.environ.get("PYTEST_XDIST_WORKER"):  # pytest -n N: one torch thread per worker (and per child it starts)
    os.environ["OMP_NUM_THREADS"] = "1"

import pytest

from ganbench.data import load_data
from tests.helpers import isolate, run_cli, write_pngs


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory):
    """Every test (and every CLI subprocess) uses a private cache and torch hub folder, never downloads, and
    runs on the CPU even where a GPU is present (the tests' expectations are the CPU's)."""
    mp = pytest.MonkeyPatch()
    isolate(mp, tmp_path_factory)
    mp.setenv("CUDA_VISIBLE_DEVICES", "")
    yield
    mp.undo()


@pytest.fixture(scope="session")
def quick_train():
    return load_data("fashion-mnist-quick", "train")


@pytest.fixture(scope="session")
def quick_test():
    return load_data("fashion-mnist-quick", "test")


@pytest.fixture(scope="session")
def png_sets(tmp_path_factory, quick_train, quick_test):
    """Two real image folders: 24 test images ("real") and 24 training images ("fake")."""
    root = tmp_path_factory.mktemp("pngs")
    write_pngs(root / "real", quick_test.images[:24].numpy())
    write_pngs(root / "fake", quick_train.images[:24].numpy())
    return root / "real", root / "fake"


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    """`ganbench run` on the smoke suite (FC-GAN and DC-GAN, 6 steps each): real records to read."""
    out = tmp_path_factory.mktemp("smoke")
    proc = run_cli("run", "--suite", "fashion-mnist-smoke", "--steps", "6", "--out", str(out))
    return out, proc


@pytest.fixture
def smoke_copy(smoke_run, tmp_path):
    """A private copy of the smoke run's runs/ folder (records, checkpoints) for a test to read or alter."""
    out, proc = smoke_run
    assert proc.returncode == 0, proc.stderr
    shutil.copytree(out / "runs", tmp_path / "runs")
    return tmp_path


def pytest_collection_modifyitems(items):
    """A test that reads the smoke run is slow: making it trains two models and runs the Inception network on
    hundreds of images."""
    for item in items:
        if "smoke_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.slow)


def pytest_xdist_auto_num_workers(config):
    """pytest-xdist's `-n auto` (in pyproject.toml's addopts): two worker processes where there are two cores or
    more, each with one torch thread; none (the tests run in this process) on one core or under --pdb."""
    return 2 if (os.cpu_count() or 1) >= 2 else 0


def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist, a worker takes a whole test file at a time, so that a module's fixtures are built once,
    and every file that reads the session's smoke run goes to the same worker, which builds it once."""
    from xdist.scheduler import LoadScopeScheduling

    tests = Path(__file__).parent
    smoke_files = {p.name for p in tests.rglob("test_*.py") if re.search(r"\bsmoke_(run|copy)\b", p.read_text())}

    class ByFile(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            file = nodeid.split("::", 1)[0]
            return "smoke run" if Path(file).name in smoke_files else file

    return ByFile(config, log)
