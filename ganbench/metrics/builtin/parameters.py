"""The networks' sizes: trainable parameters of G and D, and G's total as Keras counts it (batch normalisation's
running statistics included), which the Keras papers publish. Every record carries them (records.metric_values)."""

from ganbench.metrics.kinds import STRUCTURE, Direction, Metric, MetricKind, Noise

PARAMS_G = MetricKind(key="params-g", label="G parameters", direction=Direction.EXACT, noise=Noise.NONE,
                      unit="parameters")
PARAMS_G_TRAINABLE = MetricKind(key="params-g-trainable", label="G trainable parameters", direction=Direction.EXACT,
                                noise=Noise.NONE,
                                unit="parameters")
PARAMS_G_NONTRAINABLE = MetricKind(key="params-g-nontrainable", label="G non-trainable parameters",
                                   direction=Direction.EXACT,
                                   noise=Noise.NONE, unit="parameters")
PARAMS_D = MetricKind(key="params-d", label="D parameters", direction=Direction.EXACT, noise=Noise.NONE,
                      unit="parameters")

METRIC = Metric(name="parameters", help="parameter counts of G and D", kinds=(PARAMS_G, PARAMS_G_TRAINABLE,
                                                                              PARAMS_G_NONTRAINABLE,
                                                              PARAMS_D), needs=STRUCTURE, selectable=False)
