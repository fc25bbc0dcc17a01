"""Density and coverage (Naeem et al. 2020), k = 3, by prdc."""

from ganbench.metrics.registry import Direction, Metric, MetricKind, Noise

DENSITY = MetricKind("density", "density", Direction.HIGHER, Noise.SEEDS, features_key="pr_features")
COVERAGE = MetricKind("coverage", "coverage", Direction.HIGHER, Noise.SEEDS, features_key="pr_features")


def compute(x) -> dict:
    from ganbench.metrics import fidelity

    return fidelity.density_coverage(*x.pr_pair(), x.settings.neighbours)


METRIC = Metric("dc", "density and coverage (Naeem et al. 2020, prdc), k = 3, on VGG16 fc2 features where present",
                (DENSITY, COVERAGE), compute, uses_pr_features=True, settings=("neighbours",))
