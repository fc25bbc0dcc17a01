"""BEGAN's convergence measure M and its equilibrium term k (Berthelot et al. 2017) in the metric registry:
statistics a model whose discriminator is an autoencoder logs at every training step, which its record keeps
(`studies/began_convergence.py` reads the log). Registered through the `ganbench.metrics` entry point, as any
plugin's metric, so the metric layer names no model. Both depend on how that discriminator's encoder started,
which the tables show beside them."""

from ganbench.metrics.registry import TRAINING, Direction, Metric, MetricKind, Noise, RunFact, RunsColumn


def encoder(record) -> str | None:
    """How the run's discriminator encoder started: "imagenet", "random", or None for a model without one
    (the configuration's `encoder_init`, e.g. "random (no ImageNet ResNet18 file: ...)")."""
    init = ((record.config or {}).get("hparams") or {}).get("encoder_init")
    return None if not init else str(init).split(" ", 1)[0]


FOOTNOTE = ("³ BEGAN's convergence measure M = L(x) + |γ L(x) − L_G| (mean over the last epoch's steps) and its "
            "equilibrium term k (after the last step), from the training log. M is defined only for a model whose "
            "discriminator is an autoencoder: – for every other model, never 0. Both depend on how the "
            "discriminator's encoder started (the encoder column: ImageNet weights, or random when no ImageNet "
            "ResNet18 file was given); a random encoder's M and k are not comparable with a published run's.")
ENCODER = RunFact(name="encoder", heading="encoder³", read=encoder)

BEGAN_M = MetricKind(key="began-m", label="BEGAN M", direction=Direction.LOWER, noise=Noise.SEEDS, value_key="began_m",
                     across_models=False,
                     runs_column=RunsColumn(name="M", heading="M³", digits=4, console=".4f", optional=True,
                                            footnote=FOOTNOTE),
                     fact=ENCODER)
BEGAN_K = MetricKind(key="began-k", label="BEGAN k", direction=Direction.EXACT, noise=Noise.SEEDS, value_key="began_k",
                     across_models=False,
                     runs_column=RunsColumn(name="k", heading="k³", digits=4, console=".4f", optional=True,
                                            footnote=FOOTNOTE),
                     fact=ENCODER)

METRIC = Metric(name="began-convergence",
                help="BEGAN's convergence measure M and equilibrium term k, from the training log",
                kinds=(BEGAN_M, BEGAN_K), needs=TRAINING, selectable=False)
