"""Fréchet Inception Distance (Heusel et al. 2017), by torch-fidelity's formula, with a bootstrap interval over
the generated samples."""

import math

from ganbench.metrics.kinds import Direction, Metric, MetricKind, Noise, RunsColumn, Setting

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


def bias(metrics: dict, real_reference: dict | None, n_fake: int | None, n_real: int | None) -> float | None:
    """How far FID at a record's (or a scoring's) sample counts may lie above the truth from the counts alone:
    the larger of the bootstrap's bias estimate and the FID between two halves of the real set, scaled from their
    count to this one (FID's bias goes as 1/n). None when it holds neither."""
    halves = real_reference or {}
    estimates = [metrics.get("fid_bootstrap_bias")]
    if halves.get("fid_between_halves") is not None and n_fake and n_real:
        estimates.append(halves["fid_between_halves"] * halves["n_each"] / min(n_fake, n_real))
    known = [float(v) for v in estimates if isinstance(v, (int, float)) and math.isfinite(v)]
    return max(known) if known else None


def derive(metrics: dict, real_reference: dict | None, n_fake: int | None, n_real: int | None) -> dict:
    return {"fid_bias": bias(metrics, real_reference, n_fake, n_real)}


OPTIONS = (Setting(name="bootstrap", field="bootstrap", low=0, identity=False,
                   help="Bootstrap resamples of the generated set for FID's 95% interval (0: none)."),)
METRIC = Metric(name="fid", help="Fréchet Inception Distance, with a bootstrap interval over generated samples",
                kinds=(FID,), compute=compute, needs_real_features=False, curve=True, options=OPTIONS, derive=derive,
                reads_real_halves=True)
