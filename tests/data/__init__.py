"""Data providers, folders and the 64x64 suites' data."""
