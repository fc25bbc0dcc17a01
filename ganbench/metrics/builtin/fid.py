"""Fréchet Inception Distance (Heusel et al. 2017), by torch-fidelity's formula, with a bootstrap interval over
the generated samples."""

from ganbench.metrics.kinds import Direction, Metric, MetricKind, Noise, RunsColumn

FID = MetricKind(key="fid", label="FID", direction=Direction.LOWER, noise=Noise.BOOTSTRAP, spread_keys=("fid_ci_low",
                                                                                                        "fid_ci_high"),
                 standard_error_key="fid_bootstrap_std", bias_key="fid_bias",
                 runs_column=RunsColumn(name="FID", heading="FID ± 95%²", spread="FID ±95%"))


def compute(x) -> dict:
    from ganbench.metrics import fidelity, uncertainty

    if x.real is None:
        out = {"fid": fidelity.fid_from_stats(x.fake, x.real_stats.mu, x.real_stats.sigma)}
    else:
        out = {"fid": fidelity.fid(x.fake, x.real)}
    if x.settings.bootstrap > 0:
        b = uncertainty.bootstrap_fid(x.fake, x.real_moments, out["fid"], x.settings.bootstrap, x.seed)
        out.update(fid_ci_low=b.low, fid_ci_high=b.high, fid_bootstrap_std=b.std, fid_bootstrap_bias=b.bias)
    return out


METRIC = Metric(name="fid", help="Fréchet Inception Distance, with a bootstrap interval over generated samples",
                kinds=(FID,),
                compute=compute, needs_real_features=False, curve=True)
