"""The metrics: the registry (registry.py) and one module per metric (builtin/), the feature networks and
the classifiers some metrics train (classifiers/), the scorer that extracts features once and computes every
requested metric (scorer.py) and its result (result.py), the cache of real features.
"""
