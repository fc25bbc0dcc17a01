"""Inception Score (Salimans et al. 2016) over 10 splits, by torch-fidelity's formula."""

from ganbench.metrics.kinds import Direction, Metric, MetricKind, Noise, Setting

IS = MetricKind(key="is", label="IS", direction=Direction.HIGHER, noise=Noise.SPLIT_STD, value_key="is_mean",
                spread_keys=("is_std",))


def compute(x) -> dict:
    from ganbench.metrics import fidelity

    s = fidelity.inception_score(x.fake_logits, x.settings.is_splits, x.seed)
    return {"is_mean": s.mean, "is_std": s.std}


METRIC = Metric(name="is", help="Inception Score over 10 splits (needs the 1008-way logits weights)", kinds=(IS,),
                compute=compute,
                needs_logits=True, needs_real_features=False, options=(Setting(name="splits", field="is_splits", low=1, help="Splits the Inception Score's mean and std are taken over."),))
