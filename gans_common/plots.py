"""Pictures of runs: sample grids, GIFs of progress, loss curves and side-by-side panels (numpy in, no framework)."""
from __future__ import annotations

from pathlib import Path

import imageio.v2 as imageio
import matplotlib.pyplot as plt
import numpy as np
from PIL import Image


def to_uint8(x: np.ndarray) -> np.ndarray:
    """Generator output in [-1, 1] (any shape ending in 28x28, optional channel axis) -> uint8 (N, 28, 28)."""
    x = np.asarray(x, np.float32).reshape(-1, 28, 28)
    return np.clip(np.rint((x + 1) * 127.5), 0, 255).astype(np.uint8)


def grid(images: np.ndarray, nrow: int = 10, pad: int = 2) -> np.ndarray:
    """Tile uint8 images (N, 28, 28) into one (rows*30+2, nrow*30+2) image with dark padding."""
    images = np.asarray(images).reshape(-1, 28, 28)
    rows = -(-len(images) // nrow)
    out = np.zeros((rows * (28 + pad) + pad, nrow * (28 + pad) + pad), np.uint8)
    for i, img in enumerate(images):
        r, c = divmod(i, nrow)
        out[pad + r * (28 + pad):pad + r * (28 + pad) + 28, pad + c * (28 + pad):pad + c * (28 + pad) + 28] = img
    return out


def real_examples(images: np.ndarray, labels: np.ndarray, per_digit: int = 10) -> np.ndarray:
    """``per_digit`` training images of each digit, one digit per row: (10 * per_digit, 28, 28)."""
    return np.concatenate([images[labels == d][:per_digit] for d in range(10)])


def save_png(image: np.ndarray, path: str | Path, scale: int = 2) -> Path:
    """Save a uint8 greyscale image, enlarged ``scale`` times (nearest) so digits stay crisp."""
    img = Image.fromarray(np.asarray(image, np.uint8))
    img.resize((img.width * scale, img.height * scale), Image.NEAREST).save(path)
    return Path(path)


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
