"""The networks' sizes: trainable parameters of G and D, and G's total as Keras counts it (batch normalisation's
running statistics included), which the Keras papers publish. Every record carries them (records.metric_values)."""

from ganbench.metrics.registry import STRUCTURE, Direction, Metric, MetricKind, Noise

PARAMS_G = MetricKind("params-g", "G parameters", Direction.EXACT, Noise.NONE, "parameters")
PARAMS_G_TRAINABLE = MetricKind("params-g-trainable", "G trainable parameters", Direction.EXACT, Noise.NONE,
                                "parameters")
PARAMS_G_NONTRAINABLE = MetricKind("params-g-nontrainable", "G non-trainable parameters", Direction.EXACT,
                                   Noise.NONE, "parameters")
PARAMS_D = MetricKind("params-d", "D parameters", Direction.EXACT, Noise.NONE, "parameters")

METRIC = Metric("parameters", "parameter counts of G and D", (PARAMS_G, PARAMS_G_TRAINABLE, PARAMS_G_NONTRAINABLE,
                                                              PARAMS_D), needs=STRUCTURE, selectable=False)
