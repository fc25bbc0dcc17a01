"""The Python API and docs/api.md's examples."""
