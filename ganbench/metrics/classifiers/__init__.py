"""The classifiers some metrics train: the independent classifiers of Korotka et al. (2024), the
augmentation study's and the label classifier of Wang et al. (2024), and their fitting loop.
"""
