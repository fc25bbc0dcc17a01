"""The layers as folders (docs/architecture.md): import-linter's contracts in pyproject.toml hold, and a
violation of them is caught."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT = ("import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename=sys.argv[1], no_cache=True, no_logo=True))")


def _lint(packages: Path) -> subprocess.CompletedProcess:
    """import-linter on the packages under `packages`, with this checkout's contracts."""
    env = {**os.environ, "PYTHONPATH": str(packages)}
    return subprocess.run([sys.executable, "-c", LINT, str(ROOT / "pyproject.toml")], capture_output=True,
                          text=True, env=env, cwd=packages, timeout=120)


def test_every_layer_imports_only_the_layers_below_it():
    proc = _lint(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "4 kept, 0 broken" in proc.stdout


def test_an_upward_import_breaks_the_layers_contract(tmp_path):
    """A copy of the package where the lowest layer imports the pipeline: the same contracts reject it."""
    for package in ("ganbench", "zoo"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    errors = tmp_path / "ganbench" / "core" / "errors.py"
    errors.write_text(errors.read_text() + "\nfrom ganbench.pipeline.run import plan_run  # noqa: E402,F401\n")
    proc = _lint(tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "ganbench.core is not allowed to import ganbench.pipeline" in proc.stdout
    assert "ganbench.core.errors -> ganbench.pipeline.run" in proc.stdout


def test_docs_architecture_names_modules_and_functions_that_exist():
    """docs/architecture.md's layout and its walk through `ganbench run` name real modules, and at each step a
    function that module defines."""
    import importlib

    text = (ROOT / "docs" / "architecture.md").read_text()
    paths = set(re.findall(r"\b((?:[a-z_]+/)*[a-z_]+\.py)\b", text))
    assert len(paths) > 20
    files = {p.name for p in (ROOT / "ganbench").rglob("*.py")}
    for path in paths:
        if "/" in path:
            assert (ROOT / "ganbench" / path).is_file() or (ROOT / path).is_file(), path
        else:  # a file named inside its folder's line of the layout
            assert path in files, path
    steps = re.findall(r"^ {6}((?:[a-z_]+/)*[a-z_]+)\.py +([A-Za-z_.]+)\(\)", text, re.M)
    assert len(steps) >= 10
    for module, name in steps:
        dotted = module.replace("/", ".")
        found = importlib.import_module(dotted if dotted.startswith("zoo") else f"ganbench.{dotted}")
        for attr in name.split("."):
            found = getattr(found, attr)  # AttributeError: the step names a function the module lacks
    for layer in ("cli", "api", "studies", "results", "pipeline", "train", "metrics", "suites", "models", "data",
                  "core"):
        assert f'"ganbench.{layer}"' in (ROOT / "pyproject.toml").read_text() and f"\n      {layer}" in text
