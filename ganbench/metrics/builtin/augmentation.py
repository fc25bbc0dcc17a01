"""Wang et al.'s augmentation utility (their Table 2): a classifier's test accuracy when trained on real data
alone, on real plus traditional augmentation, and on real plus the model's generated images."""

from ganbench.metrics.kinds import MODEL, Direction, Metric, MetricKind, Noise, Setting

AUG_REAL_ACCURACY = MetricKind(key="aug-real-accuracy", label="accuracy, real data alone", direction=Direction.HIGHER,
                               noise=Noise.BINOMIAL,
                               unit="%", value_key="aug_real_accuracy", spread_keys=("aug_real_accuracy_ci_low",
                                                                                     "aug_real_accuracy_ci_high"),
                               across_models=False)
AUG_TRADITIONAL_ACCURACY = MetricKind(key="aug-traditional-accuracy", label="accuracy, real + traditional augmentation",
                                      direction=Direction.HIGHER, noise=Noise.BINOMIAL, unit="%",
                                      value_key="aug_traditional_accuracy",
                                      spread_keys=("aug_traditional_accuracy_ci_low",
                                                   "aug_traditional_accuracy_ci_high"),
                                      across_models=False)
AUG_ACCURACY = MetricKind(key="aug-accuracy", label="accuracy, real + generated", direction=Direction.HIGHER,
                          noise=Noise.BINOMIAL, unit="%",
                          value_key="aug_accuracy", spread_keys=("aug_accuracy_ci_low", "aug_accuracy_ci_high"))
AUG_GAIN = MetricKind(key="aug-gain", label="accuracy gain from generated images", direction=Direction.HIGHER,
                      noise=Noise.SEEDS, unit="pp",
                      value_key="aug_gain")
AUG_GAIN_OVER_TRADITIONAL = MetricKind(key="aug-gain-over-traditional",
                                       label="accuracy gain over traditional augmentation",
                                       direction=Direction.HIGHER, noise=Noise.SEEDS, unit="pp",
                                       value_key="aug_gain_over_traditional")


def compute(context) -> dict:
    """The study of one model on its suite's labelled train and test splits."""
    from ganbench.metrics.classifiers.augmentation import model_utility
    from ganbench.suites import get_suite, suite_data

    suite = get_suite(context.config.suite)
    return model_utility(context.model, suite_data(suite, "train"), suite_data(suite, "test"),
                         context.settings.aug_per_class, context.settings.aug_epochs, context.seed, context.device)


METRIC = Metric(name="aug",
                help="augmentation utility (Wang et al.): test accuracy of a classifier trained on real data, on "
                "real plus generated images per class, and on real plus traditional augmentation",
                kinds=(AUG_REAL_ACCURACY, AUG_TRADITIONAL_ACCURACY, AUG_ACCURACY, AUG_GAIN, AUG_GAIN_OVER_TRADITIONAL),
                compute=compute, needs=MODEL,
                needs_labels=", or the ore group (--suite ore:FOLDER), whose study takes one generator per class",
                options=(
    Setting(name="per_class", field="aug_per_class", low=1,
            help="Generated (and traditionally augmented) images added per class (Wang et al.: 2000)."),
    Setting(name="epochs", field="aug_epochs", low=1,
            help="The most epochs each classifier trains; it stops earlier when its validation loss stops falling "
                 "(Wang et al.: 500)."),
))
