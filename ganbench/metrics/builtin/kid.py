"""Kernel Inception Distance (Bińkowski et al. 2018): torch-fidelity's unbiased MMD² with the cubic kernel, mean
and standard deviation over random subsets."""

from ganbench.metrics.kinds import Direction, Metric, MetricKind, Noise, RunsColumn

KID = MetricKind(key="kid", label="KID", direction=Direction.LOWER, noise=Noise.SUBSET_STD, value_key="kid_mean",
                 spread_keys=("kid_std",),
                 runs_column=RunsColumn(name="KID", heading="KID ×10³ ± 95%²", spread="KID std", spread_is_std=True,
                                        scale=1e3,
                                        console=".4f"))


def compute(x) -> dict:
    from ganbench.metrics import fidelity

    k = fidelity.kid(x.fake, x.real, x.settings.kid_subsets, x.settings.kid_subset_size, x.seed)
    return {"kid_mean": k.mean, "kid_std": k.std, "kid_subset_size": k.subset_size}


METRIC = Metric(name="kid", help="Kernel Inception Distance (unbiased MMD², cubic kernel), mean and std over subsets",
                kinds=(KID,),
                compute=compute, curve=True, settings=("kid_subsets", "kid_subset_size"))
