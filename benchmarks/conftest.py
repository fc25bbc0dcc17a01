"""Benchmarks use a private cache and torch hub folder, as the tests do: one that clears the feature cache
clears its own, never the user's ~/.cache/ganbench. Unlike the tests they keep the GPU where there is one."""

from __future__ import annotations

import pytest

from tests.helpers import isolate


def pytest_xdist_auto_num_workers(config):
    """Benchmarks time themselves: they run one at a time in this process (pyproject.toml's `-n auto` gives the
    tests two worker processes)."""
    return 0


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    isolate(mp, tmp_path_factory)
    yield
    mp.undo()
