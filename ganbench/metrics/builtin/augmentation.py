"""Wang et al.'s augmentation utility (their Table 2): a classifier's test accuracy when trained on real data
alone, on real plus traditional augmentation, and on real plus the model's generated images."""

from ganbench.metrics.registry import MODEL, Direction, Metric, MetricKind, Noise

AUG_REAL_ACCURACY = MetricKind("aug-real-accuracy", "accuracy, real data alone", Direction.HIGHER, Noise.BINOMIAL,
                               "%", "aug_real_accuracy", ("aug_real_accuracy_ci_low", "aug_real_accuracy_ci_high"),
                               across_models=False)
AUG_TRADITIONAL_ACCURACY = MetricKind("aug-traditional-accuracy", "accuracy, real + traditional augmentation",
                                      Direction.HIGHER, Noise.BINOMIAL, "%", "aug_traditional_accuracy",
                                      ("aug_traditional_accuracy_ci_low", "aug_traditional_accuracy_ci_high"),
                                      across_models=False)
AUG_ACCURACY = MetricKind("aug-accuracy", "accuracy, real + generated", Direction.HIGHER, Noise.BINOMIAL, "%",
                          "aug_accuracy", ("aug_accuracy_ci_low", "aug_accuracy_ci_high"))
AUG_GAIN = MetricKind("aug-gain", "accuracy gain from generated images", Direction.HIGHER, Noise.SEEDS, "pp",
                      "aug_gain")
AUG_GAIN_OVER_TRADITIONAL = MetricKind("aug-gain-over-traditional", "accuracy gain over traditional augmentation",
                                       Direction.HIGHER, Noise.SEEDS, "pp", "aug_gain_over_traditional")


def compute(context) -> dict:
    """The study of one model on its suite's labelled train and test splits."""
    from ganbench.metrics.classifiers.augmentation import model_utility
    from ganbench.suites import get_suite, suite_data

    suite = get_suite(context.config.suite)
    return model_utility(context.model, suite_data(suite, "train"), suite_data(suite, "test"),
                         context.settings.aug_per_class, context.settings.aug_epochs, context.seed, context.device)


METRIC = Metric("aug", "augmentation utility (Wang et al.): test accuracy of a classifier trained on real data, on "
                "real plus generated images per class, and on real plus traditional augmentation",
                (AUG_REAL_ACCURACY, AUG_TRADITIONAL_ACCURACY, AUG_ACCURACY, AUG_GAIN, AUG_GAIN_OVER_TRADITIONAL),
                compute, needs=MODEL, settings=("aug_per_class", "aug_epochs"))
