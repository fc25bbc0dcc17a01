"""The bottom layer: atomic files, tensor files."""
