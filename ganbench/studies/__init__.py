"""Paper-specific studies: BEGAN's convergence measure (Zaika, 2025), the ore augmentation study (Wang et
al., 2024), the latent-space explorer (Korotka et al., 2024).
"""
