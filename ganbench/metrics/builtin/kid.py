"""Kernel Inception Distance (Bińkowski et al. 2018): torch-fidelity's unbiased MMD² with the cubic kernel, mean
and standard deviation over random subsets."""

from ganbench.metrics.kinds import Direction, Metric, MetricKind, Noise, RunsColumn, Setting

KID = MetricKind(key="kid", label="KID", direction=Direction.LOWER, noise=Noise.SUBSET_STD, value_key="kid_mean",
                 spread_keys=("kid_std",),
                 runs_column=RunsColumn(name="KID", heading="KID ×10³ ± 95%²", spread="KID std", spread_is_std=True,
                                        scale=1e3,
                                        console=".4f"))


def compute(x) -> dict:
    from ganbench.metrics import fidelity

    k = fidelity.kid(x.fake, x.real, x.settings.kid_subsets, x.settings.kid_subset_size, x.seed)
    return {"kid_mean": k.mean, "kid_std": k.std, "kid_subset_size": k.subset_size}


def finish(values: dict, settings, n_min: int) -> tuple[dict, tuple[str, ...]]:
    """The subset size KID used, recorded in its settings (not its values), and why it was lowered."""
    used = values.pop("kid_subset_size", None)
    if used is None or used >= settings.kid_subset_size:
        return ({} if used is None else {"kid_subset_size": used}), ()
    why = (f"(half of the {n_min} samples, so that its subsets differ)" if used < n_min else
           f"(all {n_min} samples: too few for subsets that differ, so KID has no noise estimate)")
    return {"kid_subset_size": used}, (f"KID subset size lowered from {settings.kid_subset_size} to {used} {why}",)


OPTIONS = (
    Setting(name="subsets", field="kid_subsets", low=1, help="Number of random subsets KID averages over."),
    Setting(name="subset_size", field="kid_subset_size", low=2,
            help="Size of each KID subset; where the samples are fewer, half of them, so that the subsets differ "
                 "(recorded)."),
)
METRIC = Metric(name="kid", help="Kernel Inception Distance (unbiased MMD², cubic kernel), mean and std over subsets",
                kinds=(KID,), compute=compute, curve=True, options=OPTIONS, finish=finish)
