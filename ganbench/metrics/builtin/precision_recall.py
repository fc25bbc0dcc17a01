"""Improved precision and recall (Kynkäänniemi et al. 2019), k = 3, by torch-fidelity's formula."""

from ganbench.metrics.registry import Direction, Metric, MetricKind, Noise

PRECISION = MetricKind("precision", "precision", Direction.HIGHER, Noise.SEEDS, features_key="pr_features")
RECALL = MetricKind("recall", "recall", Direction.HIGHER, Noise.SEEDS, features_key="pr_features")


def compute(x) -> dict:
    from ganbench.metrics import fidelity

    return fidelity.precision_recall(*x.pr_pair(), x.settings.neighbours)


METRIC = Metric("pr", "precision and recall (Kynkäänniemi et al. 2019), k = 3, on VGG16 fc2 features where present",
                (PRECISION, RECALL), compute, uses_pr_features=True, settings=("neighbours",))
