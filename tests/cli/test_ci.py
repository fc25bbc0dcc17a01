"""CI's own rule: a run that skipped any test fails, naming it (`.ci/no_skips.py` on pytest's JUnit report)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TESTS = '''
import pytest

def test_runs():
    pass

@pytest.mark.skipif(True, reason="the data set is not installed")
def test_needs_data():
    pass
'''


def report_of(tmp_path: Path, source: str) -> Path:
    (tmp_path / "test_sample.py").write_text(source)
    report = tmp_path / "report.xml"
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_ADDOPTS"}  # CI's own report stays CI's
    subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
                    "test_sample.py"], cwd=tmp_path, env=env, capture_output=True, check=True)
    return report


def check(report: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / ".ci" / "no_skips.py"), str(report)],
                          capture_output=True, text=True)


def test_a_skipped_test_fails_ci_and_is_named(tmp_path):
    proc = check(report_of(tmp_path, TESTS))
    assert proc.returncode == 1
    assert "skipped test_sample::test_needs_data: the data set is not installed" in proc.stdout


def test_a_run_without_skips_passes(tmp_path):
    proc = check(report_of(tmp_path, TESTS.split("@pytest")[0]))
    assert proc.returncode == 0 and proc.stdout == ""


def test_ci_runs_the_check_and_refuses_a_missing_data_set():
    script = (ROOT / ".ci" / "run").read_text()
    assert 'PYTEST_ADDOPTS="--junitxml=' in script and "no_skips.py" in script
    assert "could not be installed" in script and "exit 1" in script.split("could not be installed")[1][:200]
