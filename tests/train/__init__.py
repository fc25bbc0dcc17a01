"""The training loop, resume, and torchrun."""
