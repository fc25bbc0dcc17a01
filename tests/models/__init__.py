"""The model registry and the zoo's parameter counts."""
