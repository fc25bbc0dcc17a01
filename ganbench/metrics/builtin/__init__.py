"""The built-in metrics, one module each, in the order the tables list them. A study's metrics (BEGAN's M and k)
come through the `ganbench.metrics` entry point, as a plugin's do."""

from ganbench.metrics.builtin import (
    augmentation,
    density_coverage,
    fid,
    fid_infinity,
    inception_score,
    independent_classifiers,
    kid,
    parameters,
    precision_recall,
)

BUILTIN = (fid.METRIC, kid.METRIC, inception_score.METRIC, precision_recall.METRIC, density_coverage.METRIC,
           fid_infinity.METRIC, *independent_classifiers.METRICS, augmentation.METRIC, parameters.METRIC)
