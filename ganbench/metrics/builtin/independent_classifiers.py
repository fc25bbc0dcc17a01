"""Korotka et al.'s (2024) strong and weak independent classifiers: a CNN trained to tell generated from real
images; its held-out error is 50% when it cannot."""

from ganbench.metrics.registry import IMAGES, Direction, Metric, MetricKind, Noise

IC_STRONG_ERROR = MetricKind("ic-strong-error", "strong IC error", Direction.TOWARD_50, Noise.BINOMIAL, "%",
                             "ic_strong_error", ("ic_strong_error_ci_low", "ic_strong_error_ci_high"))
IC_WEAK_ERROR = MetricKind("ic-weak-error", "weak IC error", Direction.TOWARD_50, Noise.BINOMIAL, "%",
                           "ic_weak_error", ("ic_weak_error_ci_low", "ic_weak_error_ci_high"))


def _classifier(protocol_name: str):
    def compute(x) -> dict:
        from ganbench.metrics.classifiers.two_sample import PROTOCOLS, independent_classifier

        result = independent_classifier(x.real_images, x.fake_images, PROTOCOLS[protocol_name], x.seed, x.device)
        prefix = protocol_name.replace("-", "_")
        scores = {f"{prefix}_{k}": result.pop(k) for k in ("error", "error_ci_low", "error_ci_high", "train_error",
                                                            "p_value")}
        return {**scores, f"{prefix}_detail": result}

    return compute


METRICS = (
    Metric("ic-strong", "strong independent classifier's held-out error, % (Korotka et al., 2024; 50 is ideal): a CNN "
           "trained to convergence to tell generated from real images", (IC_STRONG_ERROR,), _classifier("ic-strong"),
           needs=IMAGES),
    Metric("ic-weak", "weak independent classifier's held-out error, % (Korotka et al., 2024): a tiny CNN, short fixed "
           "budget", (IC_WEAK_ERROR,), _classifier("ic-weak"), needs=IMAGES),
)
