"""Density and coverage (Naeem et al. 2020), k = 3, by prdc."""

from ganbench.metrics.kinds import Direction, Metric, MetricKind, Noise, Setting

DENSITY = MetricKind(key="density", label="density", direction=Direction.HIGHER, noise=Noise.SEEDS,
                     features_key="pr_features")
COVERAGE = MetricKind(key="coverage", label="coverage", direction=Direction.HIGHER, noise=Noise.SEEDS,
                      features_key="pr_features")


def compute(x) -> dict:
    from ganbench.metrics import fidelity

    return fidelity.density_coverage(*x.pr_pair(), x.settings.neighbours)


METRIC = Metric(name="dc",
                help="density and coverage (Naeem et al. 2020, prdc), k = 3, on VGG16 fc2 features where present",
                kinds=(DENSITY, COVERAGE), compute=compute, uses_pr_features=True, options=(Setting(name="k", field="neighbours", low=1, help="Nearest neighbours k that size each real sample's ball for density and coverage."),))
