"""Pictures of runs: sample grids, GIFs of progress, loss curves and side-by-side panels (numpy in, no framework)."""
from __future__ import annotations

from pathlib import Path

import imageio.v2 as imageio
import matplotlib.pyplot as plt
import numpy as np

from gans_common.images import grid, save_png, to_uint8  # noqa: F401  (part of this module's API for notebooks)


def real_examples(images: np.ndarray, labels: np.ndarray, per_digit: int = 10) -> np.ndarray:
    """``per_digit`` training images of each digit, one digit per row: (10 * per_digit, 28, 28)."""
    return np.concatenate([images[labels == d][:per_digit] for d in range(10)])


def make_gif(frames: list[np.ndarray], path: str | Path, seconds_per_frame: float = 0.4) -> Path:
    """An animated GIF of uint8 frames (e.g. the fixed-noise grid after each epoch); it loops forever."""
    imageio.mimsave(path, [np.asarray(f, np.uint8) for f in frames], duration=seconds_per_frame * 1000, loop=0)
    return Path(path)


def smooth(y, window: int = 50) -> np.ndarray:
    y = np.asarray(y, np.float64)
    if len(y) < 2 * window:
        return y
    return np.convolve(y, np.ones(window) / window, mode="valid")


def plot_losses(history: dict, ax=None, label: str = "", window: int = 50):
    """D and G loss against generator step, moving-averaged over ``window`` steps."""
    ax = ax or plt.subplots(figsize=(7, 3.5))[1]
    for key, style in (("d_loss", "-"), ("g_loss", "--")):
        y = smooth(history[key], window)
        x = np.asarray(history["step"])[len(history["step"]) - len(y):]
        ax.plot(x, y, style, label=f"{label} {key[0].upper()}".strip())
    ax.set_xlabel("generator step")
    ax.set_ylabel("loss")
    ax.legend(fontsize=8)
    return ax


def panels(images: dict[str, np.ndarray | None], ncols: int, cell: float = 3.2, missing: dict | None = None):
    """One figure of titled greyscale panels; a ``None`` panel shows the text in ``missing[title]`` instead."""
    nrows = -(-len(images) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(cell * ncols, cell * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, (title, img) in zip(axes.flat, images.items()):
        ax.set_title(title, fontsize=10)
        if img is None:
            ax.text(0.5, 0.5, (missing or {}).get(title, "missing"), ha="center", va="center", fontsize=8, wrap=True)
        else:
            ax.imshow(img, cmap="gray", vmin=0, vmax=255, interpolation="nearest")
    fig.tight_layout()
    return fig
