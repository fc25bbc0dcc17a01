"""The metrics, their feature networks, backends, caches and classifiers."""
