"""Latent interpolation: samples along the great circle between fixed pairs of latent vectors.

A generator that learned a smooth map turns one digit into another through plausible digits; one that learned a
look-up table jumps. Spherical interpolation (slerp, Shoemake 1985; for GAN latents White 2016, *Sampling Generative
Networks*) keeps the path where Gaussian latents live (near the sphere of radius sqrt(z_dim)); a straight line
would pass through the low-norm centre that G never saw in training.
"""
from __future__ import annotations

import numpy as np

PAIRS, STEPS, SEED = 8, 10, 2024  # the same pairs for every model, so their strips compare


def slerp(z0: np.ndarray, z1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Points at fractions ``t`` (T,) of the great-circle arc from ``z0`` to ``z1`` (D,), norms interpolated
    linearly; (T, D). Falls back to the straight line when the two are (anti)parallel."""
    t = np.asarray(t, np.float64)[:, None]
    n0, n1 = np.linalg.norm(z0), np.linalg.norm(z1)
    u0, u1 = z0 / n0, z1 / n1
    omega = np.arccos(np.clip(u0 @ u1, -1.0, 1.0))
    if np.sin(omega) < 1e-6:
        return (1 - t) * z0 + t * z1
    direction = (np.sin((1 - t) * omega) * u0 + np.sin(t * omega) * u1) / np.sin(omega)  # unit vectors
    return direction * ((1 - t) * n0 + t * n1)


def latent_paths(z_dim: int, pairs: int = PAIRS, steps: int = STEPS, seed: int = SEED) -> np.ndarray:
    """(pairs * steps, z_dim) float32 latents: ``pairs`` fixed endpoint pairs, ``steps`` points each, row-major."""
    rng = np.random.default_rng(seed)
    ends = rng.standard_normal((pairs, 2, z_dim))
    t = np.linspace(0.0, 1.0, steps)
    return np.concatenate([slerp(a, b, t) for a, b in ends]).astype(np.float32)


def strips(generate, z_dim: int, pairs: int = PAIRS, steps: int = STEPS) -> np.ndarray:
    """The interpolation strips of a generator: ``generate(z) -> samples`` (a trainer's ``generate``); returns
    (pairs * steps, 1, 28, 28) or the generator's own sample layout, one row of ``steps`` per pair."""
    return np.asarray(generate(latent_paths(z_dim, pairs, steps)))
