"""A scale for the yardstick: how it scores *real* digits degraded in known ways.

The study's FIDs are in a small classifier's feature space (``gans_study/evaluate.py``), so "FID 40" means little on
its own. Scoring the real-data floor's images (the first 10k training digits, against the test set) after known
degradations gives the numbers a scale, and shows what precision and recall reward here:

* Gaussian pixel noise of standard deviation ``sigma`` (images in [0, 1], clipped back into it);
* a Gaussian blur of ``sigma`` pixels (``scipy.ndimage.gaussian_filter``);
* an elastic distortion (Simard et al. 2003, "Best practices for convolutional neural networks applied to visual
  document analysis"): a random displacement field per image, uniform noise smoothed by a Gaussian of ``sigma``
  pixels, here scaled so that its root-mean-square displacement is ``amplitude`` pixels, resampled bilinearly
  (``scipy.ndimage.map_coordinates``).

``python -m gans_study.calibration [--dataset fashion-mnist]`` scores them all and writes the record
``results/calibration/<dataset>.json`` (command, commit, seed, device, every row's metrics);
``tools/results_table.py`` lists it under README's findings.
"""
from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

import numpy as np
import scipy.ndimage

from gans_common.runs import git_commit, write_json
from gans_study import evaluate

RESULTS_DIR = Path(__file__).resolve().parent.parent / "results" / "calibration"
# (name, kind, parameters): the probes of the floor's images, plus the blur that raised precision
DEGRADATIONS = [
    ("real digits", "none", {}),
    ("pixel noise sigma 0.1", "noise", {"sigma": 0.1}),
    ("blur sigma 0.5 px", "blur", {"sigma": 0.5}),
    ("blur sigma 1 px", "blur", {"sigma": 1.0}),
    ("elastic, RMS displacement 2 px, smoothing 3 px", "elastic", {"amplitude": 2.0, "sigma": 3.0}),
    ("elastic, RMS displacement 4 px, smoothing 3 px", "elastic", {"amplitude": 4.0, "sigma": 3.0}),
]


def add_noise(images: np.ndarray, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """float (N, H, W) in [0, 1] plus N(0, sigma^2) per pixel, clipped to [0, 1]."""
    return np.clip(images + rng.normal(0.0, sigma, images.shape), 0.0, 1.0)


def blur(images: np.ndarray, sigma: float) -> np.ndarray:
    """Each (H, W) image convolved with a Gaussian of ``sigma`` pixels (none across the batch axis)."""
    return scipy.ndimage.gaussian_filter(images, sigma=(0.0, sigma, sigma), mode="constant")


def displacement_fields(n: int, shape: tuple[int, int], amplitude: float, sigma: float,
                        rng: np.random.Generator) -> np.ndarray:
    """(n, 2, H, W) smoothed uniform noise (Simard et al. 2003), each image's field scaled to an RMS displacement of
    ``amplitude`` pixels."""
    field = rng.uniform(-1.0, 1.0, (n, 2, *shape))
    field = scipy.ndimage.gaussian_filter(field, sigma=(0.0, 0.0, sigma, sigma), mode="constant")
    rms = np.sqrt((field ** 2).sum(axis=1).mean(axis=(1, 2)))  # (n,): per image, over both axes' displacement
    return field * (amplitude / np.maximum(rms, 1e-12))[:, None, None, None]


def warp(images: np.ndarray, fields: np.ndarray) -> np.ndarray:
    """Each (H, W) image resampled bilinearly at (row, col) + its field (n, 2, H, W); pixels from outside are 0."""
    rows, cols = np.meshgrid(np.arange(images.shape[1]), np.arange(images.shape[2]), indexing="ij")
    return np.stack([scipy.ndimage.map_coordinates(img, [rows + f[0], cols + f[1]], order=1, mode="constant")
                     for img, f in zip(images, fields)])


def elastic(images: np.ndarray, amplitude: float, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """Simard et al.'s elastic distortion: each image warped by its own smoothed random field."""
    return warp(images, displacement_fields(len(images), images.shape[1:], amplitude, sigma, rng))


def degrade(images: np.ndarray, kind: str, params: dict, seed: int = 0) -> np.ndarray:
    """uint8 or [0, 1] images (N, H, W) degraded by ``kind`` ('none', 'noise', 'blur' or 'elastic')."""
    x = images.astype(np.float64) / 255.0 if images.dtype == np.uint8 else images.astype(np.float64)
    rng = np.random.default_rng(seed)
    if kind == "none":
        return x
    if kind == "noise":
        return add_noise(x, params["sigma"], rng)
    if kind == "blur":
        return blur(x, params["sigma"])
    if kind == "elastic":
        return elastic(x, params["amplitude"], params["sigma"], rng)
    raise ValueError(f"unknown degradation {kind!r}: choose one of none, noise, blur, elastic")


def calibrate(n: int = 10000, seed: int = 0, dataset: str = "mnist") -> list[dict]:
    """Every row of DEGRADATIONS: the first ``n`` training images degraded, scored against the test set."""
    from gans_common.mnist import load_mnist
    images = load_mnist("train", dataset=dataset)[0][:n]  # the real-data floor's images
    return [{"name": name, "kind": kind, "params": params,
             "metrics": evaluate.evaluate(degrade(images, kind, params, seed).astype(np.float32),
                                          dataset=dataset)}
            for name, kind, params in DEGRADATIONS]


def record_path(dataset: str = "mnist", results_dir: str | Path = RESULTS_DIR) -> Path:
    return Path(results_dir) / f"{dataset}.json"


def summary_lines(record: dict) -> list[str]:
    """One sentence per row of a calibration record, for README, then what the blurs did to precision and recall
    (k-NN precision rewards smooth strokes: read it with recall)."""
    lines = [f"{row['name']}: FID {row['metrics']['fid']:.1f}, precision {row['metrics']['precision']:.2f}, "
             f"recall {row['metrics']['recall']:.2f}" for row in record["rows"]]
    real = next((r["metrics"] for r in record["rows"] if r["kind"] == "none"), None)
    for row in (r for r in record["rows"] if r["kind"] == "blur" and real):
        m = row["metrics"]
        lines.append(f"{row['name']} against real digits: precision {real['precision']:.2f} -> {m['precision']:.2f} "
                     f"({'higher' if m['precision'] > real['precision'] else 'not higher'}), recall "
                     f"{real['recall']:.2f} -> {m['recall']:.2f}")
    return lines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="score real digits degraded in known ways (a scale for the FIDs)")
    parser.add_argument("--dataset", default="mnist", choices=["mnist", "fashion-mnist"])
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise and the displacement fields")
    parser.add_argument("--results-dir", default=str(RESULTS_DIR), help="where the record goes")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    rows = calibrate(seed=args.seed, dataset=args.dataset)
    record = {"command": "python -m gans_study.calibration" + " ".join([""] + (argv or sys.argv[1:])),
              "dataset": args.dataset, "seed": args.seed, "n_images": rows[0]["metrics"]["n_samples"],
              "commit": git_commit(), "device": f"cpu ({platform.machine()}, numpy + scipy)",
              "date": time.strftime("%Y-%m-%d"), "seconds": round(time.perf_counter() - t0, 1), "rows": rows}
    path = record_path(args.dataset, args.results_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(path, record)
    print("\n".join(summary_lines(record)) + f"\nwritten to {path} in {record['seconds']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
