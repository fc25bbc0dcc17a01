"""Korotka et al.'s (2024) strong and weak independent classifiers: a CNN trained to tell generated from real
images; its held-out error is 50% when it cannot."""

from ganbench.metrics.kinds import IMAGES, Direction, Metric, MetricKind, Noise

IC_STRONG_ERROR = MetricKind(key="ic-strong-error", label="strong IC error", direction=Direction.TOWARD_50,
                             noise=Noise.BINOMIAL, unit="%",
                             value_key="ic_strong_error", spread_keys=("ic_strong_error_ci_low",
                                                                       "ic_strong_error_ci_high"))
IC_WEAK_ERROR = MetricKind(key="ic-weak-error", label="weak IC error", direction=Direction.TOWARD_50,
                           noise=Noise.BINOMIAL, unit="%",
                           value_key="ic_weak_error", spread_keys=("ic_weak_error_ci_low", "ic_weak_error_ci_high"))


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
    Metric(name="ic-strong",
           help="strong independent classifier's held-out error, % (Korotka et al., 2024; 50 is ideal): a CNN "
           "trained to convergence to tell generated from real images", kinds=(IC_STRONG_ERROR,),
           compute=_classifier("ic-strong"),
           needs=IMAGES),
    Metric(name="ic-weak",
           help="weak independent classifier's held-out error, % (Korotka et al., 2024): a tiny CNN, short fixed "
           "budget", kinds=(IC_WEAK_ERROR,), compute=_classifier("ic-weak"), needs=IMAGES),
)
