"""Is a difference between two models real? One estimate per model and metric, one test per pair.

The test follows what the records hold:
- several seeds per model: Welch's t-test over the per-seed values (training
  variance included, which is usually the larger part);
- one run each, for a metric with a bootstrap standard error over generated
  samples (FID): a z-test on the difference with variance se_a² + se_b². The
  two generated sets are independent and the real set is held fixed in both
  bootstraps, so this is the bootstrap of the difference;
- otherwise no test, and the reason is given (KID's spread over subsets
  measures the choice of subsets, not the noise of the generated sample).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from ganbench.core.config import DEFAULTS
from ganbench.metrics.registry import Direction, MetricKind, Noise

ALPHA = DEFAULTS.alpha


@dataclass(frozen=True)
class Estimate:
    """One model's value of one metric over its runs (one per seed)."""

    values: tuple[float, ...]
    half_width: float | None  # 95%
    standard_error: float | None
    basis: str
    bias: float | None = None  # how far the value may lie above the truth from its sample counts alone

    @property
    def mean(self) -> float:
        return float(np.mean(self.values))

    @property
    def n_runs(self) -> int:
        return len(self.values)


def estimate(kind: MetricKind, runs: list[dict]) -> Estimate | None:
    """From each run's metric values (a dict per seed); None when any run lacks the metric."""
    values = [kind.value_in(m) for m in runs]
    if not values or any(v is None for v in values):
        return None
    biases = [b for b in (kind.bias(m) for m in runs) if b is not None]
    return replace(_estimate(kind, runs, values), bias=max(biases) if biases else None)


def _estimate(kind: MetricKind, runs: list[dict], values: list[float]) -> Estimate:
    if kind.noise is Noise.NONE and len(set(values)) == 1:  # a constant (a parameter count): no ±
        return Estimate(tuple(values), None, None, "exact")
    if len(values) >= 2:
        from scipy.stats import t

        se = float(np.std(values, ddof=1) / math.sqrt(len(values)))
        return Estimate(tuple(values), float(t.ppf(0.975, len(values) - 1)) * se, se, f"over {len(values)} seeds")
    (one,) = runs
    hw = kind.half_width(one) if kind.spread_keys else None
    noise = kind.noise
    intervals = (Noise.BOOTSTRAP, Noise.BINOMIAL, Noise.SEEDS, Noise.NONE)  # named as they are; stds are scaled
    basis = noise.value if noise in intervals else f"1.96 × {noise.value}"
    return Estimate(tuple(values), hw or None, kind.standard_error(one), basis)


@dataclass(frozen=True)
class Difference:
    difference: float  # b - a, in the metric's unit
    p_value: float | None
    method: str
    better: str | None  # "a", "b", or None (equal or no test)
    # Set when the metric's bias at these sample counts is at least the difference: never significant then
    within_bias: float | None = None

    @property
    def p_text(self) -> str:
        return "p < 1e-6" if self.p_value is not None and self.p_value < 1e-6 else f"p = {self.p_value:.2g}"

    def significant(self, alpha: float = ALPHA) -> bool:
        return self.p_value is not None and self.p_value < alpha and self.within_bias is None


def difference(kind: MetricKind, a: Estimate, b: Estimate) -> Difference:
    """The test of b against a; a difference no larger than the metric's bias at the two runs' sample counts is
    tested but never significant (at 100 samples, FID between two samples of one distribution reads in the hundreds)."""
    d = _difference(kind, a, b)
    bias = max((e.bias for e in (a, b) if e.bias is not None), default=None)
    if d.p_value is not None and bias is not None and abs(d.difference) <= bias:
        return replace(d, within_bias=bias,
                       method=f"{d.method}; within {kind.label}'s bias at these sample counts")
    return d


def _difference(kind: MetricKind, a: Estimate, b: Estimate) -> Difference:
    diff = b.mean - a.mean
    better = None if diff == 0 else ("b" if kind.better(b.mean, a.mean) else "a")
    if kind.direction is Direction.EXACT:
        return Difference(diff, None, "exact: nothing to test", None)
    if not kind.across_models:
        return Difference(diff, None, "not compared: each model's own training statistic", None)
    if a.n_runs >= 2 and b.n_runs >= 2:
        from scipy.stats import ttest_ind

        if np.ptp(a.values) == 0 and np.ptp(b.values) == 0:
            return Difference(diff, None, "no test: no spread over seeds", better)
        p = float(ttest_ind(b.values, a.values, equal_var=False).pvalue)
        return Difference(diff, p, f"Welch t-test over seeds ({a.n_runs} and {b.n_runs})", better)
    if a.n_runs == b.n_runs == 1 and a.standard_error and b.standard_error:
        from scipy.stats import norm

        z = diff / math.hypot(a.standard_error, b.standard_error)
        return Difference(diff, float(2 * norm.sf(abs(z))), "z-test on bootstrap standard errors over generated samples",
                    better)
    if a.n_runs != b.n_runs and min(a.n_runs, b.n_runs) == 1:
        return Difference(diff, None, "no test: one model has one seed, the other several (give both the same "
                                      "--seed list)", better)
    return Difference(diff, None, "no test with one run each (use several --seed values, such as --seed 0,1,2)", better)
