"""The built-in metrics, one module each, in the order the tables list them."""

from ganbench.metrics.builtin import (
    augmentation,
    began_convergence,
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
           fid_infinity.METRIC, *independent_classifiers.METRICS, began_convergence.METRIC, augmentation.METRIC,
           parameters.METRIC)
