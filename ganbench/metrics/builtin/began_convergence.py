"""BEGAN's convergence measure M and its equilibrium term k (Berthelot et al. 2017): statistics a model whose
discriminator is an autoencoder logs at every training step, which its record keeps (ganbench.convergence)."""

from ganbench.metrics.registry import TRAINING, Direction, Metric, MetricKind, Noise

BEGAN_M = MetricKind("began-m", "BEGAN M", Direction.LOWER, Noise.SEEDS, value_key="began_m", across_models=False)
BEGAN_K = MetricKind("began-k", "BEGAN k", Direction.EXACT, Noise.SEEDS, value_key="began_k", across_models=False)

METRIC = Metric("began-convergence", "BEGAN's convergence measure M and equilibrium term k, from the training log",
                (BEGAN_M, BEGAN_K), needs=TRAINING, selectable=False)
