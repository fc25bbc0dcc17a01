"""A non-editable install (what `pip install .` or a wheel gives) carries what a source checkout has: the
published numbers beside ours, the zoo and the embedded quick data set."""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import venv
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
SUITE = "fashion-mnist"


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv holding ganbench installed from this checkout, not editable; its dependencies come from
    the test environment's site-packages (a plain path entry, so that environment's editable finder stays off)."""
    env = tmp_path_factory.mktemp("venv")
    venv.create(env, with_pip=False)
    py = env / "bin" / "python"
    target = Path(subprocess.run([py, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                 capture_output=True, text=True, check=True).stdout.strip())
    (target / "test-deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    build = tmp_path_factory.mktemp("src")  # a copy of the checkout: the build leaves nothing in the repo
    # (a virtual environment inside the checkout, and mutmut's copy of it, are neither source nor small)
    shutil.copytree(ROOT, build / "ganbench", ignore=shutil.ignore_patterns(
        ".git", "runs", "*.egg-info", "build", "__pycache__", ".pytest_cache", ".venv", "venv", "mutants"))
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                           "--no-build-isolation", "--target", str(target), str(build / "ganbench")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return py


def run_installed(py: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GANBENCH_PUBLISHED")}
    return subprocess.run([py, "-m", "ganbench", *args], cwd=cwd, env=env, capture_output=True, text=True)


def test_the_install_is_not_the_checkout(installed, tmp_path):
    proc = subprocess.run([installed, "-c", "import ganbench, zoo; print(ganbench.__file__); print(zoo.__file__)"],
                          cwd=tmp_path, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for line in proc.stdout.split():
        assert not Path(line).is_relative_to(ROOT), line


def test_a_leaderboard_from_the_install_shows_the_published_numbers(installed, tmp_path):
    shutil.copytree(ROOT / "leaderboards" / "records" / SUITE, tmp_path / "leaderboards" / "records" / SUITE)
    proc = run_installed(installed, tmp_path, "leaderboard", "--suite", SUITE, "--out", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    published = pd.read_csv(ROOT / "ganbench" / "assets" / "published.csv")
    theirs = published[(published["dataset"] == "Fashion-MNIST") & (published["resolution"] == "28x28x1")
                       & (published["metric"] == "fid")].set_index("model")["value"]
    board = pd.read_csv(tmp_path / "leaderboards" / f"{SUITE}.csv")
    for model in ("fcgan", "dcgan"):
        assert (board[board["model"] == model]["published FID"] == theirs[model]).all(), model
