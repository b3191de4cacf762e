"""Sample images as files: generator output to uint8, a tiled grid, a crisp PNG (numpy in, no framework)."""
from __future__ import annotations

from pathlib import Path

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


def save_png(image: np.ndarray, path: str | Path, scale: int = 2) -> Path:
    """Save a uint8 greyscale image, enlarged ``scale`` times (nearest) so digits stay crisp."""
    img = Image.fromarray(np.asarray(image, np.uint8))
    img.resize((img.width * scale, img.height * scale), Image.NEAREST).save(path)
    return Path(path)
