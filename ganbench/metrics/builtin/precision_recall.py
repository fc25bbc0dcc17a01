"""Improved precision and recall (Kynkäänniemi et al. 2019), k = 3, by torch-fidelity's formula."""

from ganbench.metrics.kinds import Direction, Metric, MetricKind, Noise, Setting

PRECISION = MetricKind(key="precision", label="precision", direction=Direction.HIGHER, noise=Noise.SEEDS,
                       features_key="pr_features")
RECALL = MetricKind(key="recall", label="recall", direction=Direction.HIGHER, noise=Noise.SEEDS,
                    features_key="pr_features")


def compute(x) -> dict:
    from ganbench.metrics import fidelity

    return fidelity.precision_recall(*x.pr_pair(), x.settings.neighbours)


METRIC = Metric(name="pr",
                help="precision and recall (Kynkäänniemi et al. 2019), k = 3, on VGG16 fc2 features where present",
                kinds=(PRECISION, RECALL), compute=compute, uses_pr_features=True, options=(Setting(name="k", field="neighbours", low=1, help="Nearest neighbours k of the manifold estimate (Kynkäänniemi et al.: 3)."),))
