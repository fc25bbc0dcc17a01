"""FID extrapolated to infinitely many generated samples (Chong and Forsyth 2020)."""

from ganbench.metrics.kinds import Direction, Metric, MetricKind, Noise, Setting

FID_INF = MetricKind(key="fid-inf", label="FID∞", direction=Direction.LOWER, noise=Noise.SEEDS, value_key="fid_inf")


def compute(x) -> dict:
    from ganbench.metrics import uncertainty

    f = uncertainty.fid_infinity(x.fake, x.real_moments, x.seed, x.settings.fid_inf_points)
    return {"fid_inf": f.value, "fid_inf_slope": f.slope, "fid_inf_sizes": f.sizes, "fid_inf_fids": f.fids}


METRIC = Metric(name="fid-inf", help="FID extrapolated to infinitely many samples (Chong and Forsyth 2020)",
                kinds=(FID_INF,),
                compute=compute, needs_real_features=False, options=(Setting(name="points", field="fid_inf_points", low=2, help="Sample counts FID is computed at for the extrapolation to infinity."),))
