"""The papers' studies: BEGAN's convergence measure, the latent explorer."""
