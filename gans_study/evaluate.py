"""The study's one yardstick: score generated MNIST digits the same way whichever framework made them.

Plain numpy + scipy only: this module never imports PyTorch or TensorFlow, so a TensorFlow notebook scoring its
samples does not pull in PyTorch (and the other way round). The feature extractor is the small CNN trained by
``tools/train_classifier.py`` (weights in ``gans_study/classifier.npz``, test accuracy in
``gans_study/classifier.json``), run here as a numpy forward pass.

Metrics, all computed on the classifier's 64-d penultimate (post-ReLU) features against the 10k MNIST test images:

* **FID** (classifier-space Fréchet distance). This is *not* the Inception FID of the literature: Inception
  weights are not usable offline and FIDs from different feature extractors are not comparable. Compare numbers
  only with other numbers from this evaluator, and next to the real-vs-real floor (:func:`real_floor`).
* **KID**, unbiased polynomial-kernel MMD^2 (Binkowski et al. 2018), kernel ``(x.y/d + 1)^3``, mean over random
  subsets of 1000 (fixed seed).
* **precision / recall** with k-NN manifolds, k = 3 (Kynkäänniemi et al. 2019).
* **mode coverage**: histogram of predicted digits, number of digits covered, KL divergence to uniform.

Scale and caveats. The features are raw post-ReLU activations (mean norm about 46; 30 of the 64 units never
fire on MNIST, so the covariances are singular, which the Fréchet distance handles), so KID comes out in the
tens to thousands rather than Inception's 1e-3 range: the real-vs-real floor is FID about 2.9 and KID about 18 at
10k vs 10k. k-NN precision is lenient with outliers: uniform noise still scores precision about 0.66 (it falls
inside the large balls of unusual real digits), so read precision together with FID/KID and recall.

Public API::

    as_images(samples) -> float32 (N, 28, 28) in [-1, 1]
    load_classifier(path=None) -> dict of float32 weight arrays
    features(images, batch_size=500) -> float64 (N, 64)
    predict(images, batch_size=500) -> int64 (N,)
    frechet_distance(mu1, sigma1, mu2, sigma2) -> float
    kid(f1, f2, n_subsets=100, subset_size=1000, seed=0) -> float
    precision_recall(real_f, fake_f, k=3) -> (precision, recall)
    mode_coverage(pred) -> {"histogram", "digits_covered", "kl_to_uniform"}
    evaluate(samples, n_ref=10000) -> {"fid", "kid", "precision", "recall", "digits_covered",
                                       "kl_to_uniform", "histogram", "n_samples", "n_ref"}
    real_floor(n=10000) -> the same dict for the first n training images vs the test set

``python -m gans_study.evaluate`` prints the floor and how long scoring 10k samples takes.
"""
from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import time
import warnings
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.linalg

CLASSIFIER_PATH = Path(__file__).with_name("classifier.npz")  # MNIST's; other datasets: classifier_file()
FEATURE_DIM = 64
NUM_CLASSES = 10
IMAGE_SHAPE = (28, 28)
_EXPECTED = ("expected a numpy array (or a tensor with .numpy()) of MNIST images shaped (N, 28, 28), "
             "(N, 1, 28, 28) or (N, 28, 28, 1), N > 3, either uint8 in 0..255 or float in [-1, 1] or [0, 1]")
_RANGE_TOL = 1e-3  # float samples may overshoot their range by this much (then they are clipped)


# --------------------------------------------------------------------------------------------------- inputs
def as_images(samples) -> np.ndarray:
    """Normalise generated samples to float32 ``(N, 28, 28)`` in ``[-1, 1]``, the classifier's input.

    Accepted: uint8 in 0..255, or float (any width) in ``[-1, 1]`` or ``[0, 1]``; shapes ``(N, 28, 28)``,
    ``(N, 1, 28, 28)`` (PyTorch NCHW) or ``(N, 28, 28, 1)`` (TensorFlow NHWC). Tensors are converted through
    their ``.detach().cpu().numpy()`` / ``.numpy()`` methods, so neither framework is imported here.

    The float range is decided from the data: a minimum below 0 means ``[-1, 1]`` (tanh output); otherwise a
    maximum of at most 1 means ``[0, 1]`` (sigmoid output). A ``[-1, 1]`` batch with no negative pixel at all
    would be read as ``[0, 1]``; for MNIST (mostly -1 background) this does not happen in practice.

    Anything else raises :class:`ValueError` with one line saying what was wrong and what is expected.
    """
    if hasattr(samples, "detach") and hasattr(samples, "cpu"):  # torch.Tensor, without importing torch
        samples = samples.detach().cpu().numpy()
    elif hasattr(samples, "numpy") and not isinstance(samples, np.ndarray):  # tf.Tensor
        samples = samples.numpy()
    try:
        x = np.asarray(samples)
    except Exception as exc:  # ragged lists and the like
        raise ValueError(f"could not convert {type(samples).__name__} to an array ({exc}); {_EXPECTED}") from None

    if x.dtype == np.bool_ or not (x.dtype == np.uint8 or np.issubdtype(x.dtype, np.floating)):
        hint = " (convert integer images to uint8)" if np.issubdtype(x.dtype, np.integer) else ""
        raise ValueError(f"unsupported dtype {x.dtype}{hint}; {_EXPECTED}")

    if x.ndim == 4 and x.shape[1] == 1 and x.shape[2:] == IMAGE_SHAPE:
        x = x[:, 0]
    elif x.ndim == 4 and x.shape[3] == 1 and x.shape[1:3] == IMAGE_SHAPE:
        x = x[..., 0]
    elif not (x.ndim == 3 and x.shape[1:] == IMAGE_SHAPE):
        hint = " (a single image: add a batch axis)" if x.shape == IMAGE_SHAPE else ""
        raise ValueError(f"unsupported shape {x.shape}{hint}; {_EXPECTED}")
    if x.shape[0] == 0:
        raise ValueError(f"got no images (shape {x.shape}); {_EXPECTED}")

    if x.dtype == np.uint8:
        return x.astype(np.float32) / np.float32(127.5) - np.float32(1.0)

    x = x.astype(np.float32)
    if not np.isfinite(x).all():
        bad = int((~np.isfinite(x)).sum())
        raise ValueError(f"{bad} NaN or infinite pixel value(s); {_EXPECTED}")
    lo, hi = float(x.min()), float(x.max())
    if lo < 0:
        if lo < -1 - _RANGE_TOL or hi > 1 + _RANGE_TOL:
            raise ValueError(f"float values span [{lo:.4g}, {hi:.4g}], outside [-1, 1] "
                             f"(pass uint8 for 0..255 images); {_EXPECTED}")
        return np.clip(x, -1.0, 1.0)
    if hi <= 1 + _RANGE_TOL:
        return np.clip(x, 0.0, 1.0) * np.float32(2.0) - np.float32(1.0)
    raise ValueError(f"float values span [{lo:.4g}, {hi:.4g}], neither [-1, 1] nor [0, 1] "
                     f"(pass uint8 for 0..255 images); {_EXPECTED}")


# ----------------------------------------------------------------------------------------------- classifier
@lru_cache(maxsize=4)
def _load(path: str) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as data:
        params = {k: np.ascontiguousarray(data[k], dtype=np.float32) for k in data.files}
    want = {"conv1_w": (16, 1, 3, 3), "conv1_b": (16,), "conv2_w": (32, 16, 3, 3), "conv2_b": (32,),
            "fc1_w": (FEATURE_DIM, 32 * 7 * 7), "fc1_b": (FEATURE_DIM,),
            "fc2_w": (NUM_CLASSES, FEATURE_DIM), "fc2_b": (NUM_CLASSES,)}
    for key, shape in want.items():
        if key not in params or params[key].shape != shape:
            raise ValueError(f"{path}: weight {key!r} missing or not shaped {shape}; "
                             f"re-run `python tools/train_classifier.py`")
    for arr in params.values():
        arr.setflags(write=False)
    return params


def classifier_file(dataset: str = "mnist") -> str:
    """The file name of ``dataset``'s classifier in ``gans_study/`` (each dataset is scored by its own)."""
    return "classifier.npz" if dataset == "mnist" else f"classifier-{dataset}.npz"


def classifier_path(dataset: str = "mnist") -> Path:
    path = CLASSIFIER_PATH.with_name(classifier_file(dataset))
    if not path.exists():
        raise FileNotFoundError(f"no classifier for {dataset} ({path}): train it with "
                                f"`python tools/train_classifier.py --dataset {dataset}`")
    return path


def load_classifier(path: str | Path | None = None, dataset: str = "mnist") -> dict[str, np.ndarray]:
    """The classifier's weights (read-only float32 arrays, PyTorch layouts), loaded once per path.

    Keys: ``conv1_w`` (16,1,3,3), ``conv1_b``, ``conv2_w`` (32,16,3,3), ``conv2_b``, ``fc1_w`` (64,1568),
    ``fc1_b``, ``fc2_w`` (10,64), ``fc2_b``.
    """
    return _load(str(Path(path or classifier_path(dataset)).resolve()))


def classifier_hash(path: str | Path | None = None, dataset: str = "mnist") -> str:
    """SHA-256 of the weights file (keys the cached reference statistics)."""
    return hashlib.sha256(Path(path or classifier_path(dataset)).read_bytes()).hexdigest()


def _conv3x3_relu_pool(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """NHWC input, PyTorch (O, C, 3, 3) weight, padding 1, then ReLU and 2x2 max-pool; returns NHWC."""
    n, h, wd, c = x.shape
    xp = np.pad(x, ((0, 0), (1, 1), (1, 1), (0, 0)))
    cols = np.lib.stride_tricks.sliding_window_view(xp, (3, 3), axis=(1, 2))  # (N, H, W, C, 3, 3)
    cols = cols.reshape(n * h * wd, c * 9)  # (C, kh, kw) order, the same as w.reshape(O, C*9)
    y = cols @ w.reshape(w.shape[0], -1).T + b
    y = np.maximum(y, 0).reshape(n, h // 2, 2, wd // 2, 2, w.shape[0])
    return y.max(axis=(2, 4))


def _forward(images: np.ndarray, params: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """float32 (B, 28, 28) in [-1, 1] -> (features (B, 64), logits (B, 10)), float32."""
    x = images[..., None]
    x = _conv3x3_relu_pool(x, params["conv1_w"], params["conv1_b"])  # (B, 14, 14, 16)
    x = _conv3x3_relu_pool(x, params["conv2_w"], params["conv2_b"])  # (B, 7, 7, 32)
    x = x.transpose(0, 3, 1, 2).reshape(len(x), -1)  # PyTorch flattens (C, H, W)
    feats = np.maximum(x @ params["fc1_w"].T + params["fc1_b"], 0)
    logits = feats @ params["fc2_w"].T + params["fc2_b"]
    return feats, logits


def _features_and_predictions(samples, batch_size: int = 500, params: dict[str, np.ndarray] | None = None,
                              dataset: str = "mnist") -> tuple[np.ndarray, np.ndarray]:
    x = as_images(samples)
    params = params if params is not None else load_classifier(dataset=dataset)
    feats = np.empty((len(x), FEATURE_DIM), np.float64)
    preds = np.empty(len(x), np.int64)
    for i in range(0, len(x), batch_size):
        f, logits = _forward(x[i:i + batch_size], params)
        feats[i:i + batch_size] = f
        preds[i:i + batch_size] = logits.argmax(1)
    return feats, preds


def features(images, batch_size: int = 500, dataset: str = "mnist") -> np.ndarray:
    """The classifier's 64-d penultimate features (post-ReLU), float64 ``(N, 64)``; any :func:`as_images` input."""
    return _features_and_predictions(images, batch_size, dataset=dataset)[0]


def predict(images, batch_size: int = 500, dataset: str = "mnist") -> np.ndarray:
    """Predicted class per image, int64 ``(N,)``; any :func:`as_images` input."""
    return _features_and_predictions(images, batch_size, dataset=dataset)[1]


def logits(images, batch_size: int = 500) -> np.ndarray:
    """The classifier's logits, float64 ``(N, 10)``; any :func:`as_images` input."""
    x = as_images(images)
    params = load_classifier()
    return np.concatenate([_forward(x[i:i + batch_size], params)[1] for i in range(0, len(x), batch_size)]
                          ).astype(np.float64)


# --------------------------------------------------------------------------------------------------- metrics
def frechet_distance(mu1, sigma1, mu2, sigma2, eps: float = 1e-6) -> float:
    """Fréchet distance between Gaussians N(mu1, sigma1) and N(mu2, sigma2).

    ``|mu1 - mu2|^2 + tr(S1 + S2 - 2 sqrtm(S1 S2))`` with ``scipy.linalg.sqrtm``. As in the reference FID code,
    a non-finite square root (singular product) is retried with ``eps`` added to both diagonals, and the
    tiny imaginary parts that numerical error leaves are dropped (a large one raises ``ValueError``).
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    s1, s2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != (mu1.size, mu1.size):
        raise ValueError(f"mean/covariance shapes do not match: {mu1.shape}, {s1.shape}, {mu2.shape}, {s2.shape}")
    diff = mu1 - mu2
    with warnings.catch_warnings():
        # singular covariances are expected (ReLU units that never fire); sqrtm still returns the right root
        warnings.simplefilter("ignore", scipy.linalg.LinAlgWarning)
        covmean = scipy.linalg.sqrtm(s1 @ s2)
        if not np.isfinite(covmean).all():
            offset = np.eye(s1.shape[0]) * eps
            covmean = scipy.linalg.sqrtm((s1 + offset) @ (s2 + offset))
    if np.iscomplexobj(covmean):
        # tolerance relative to the matrix scale (the reference code uses an absolute 1e-3 on ~1e2-scale values)
        scale = max(1.0, float(np.abs(covmean).max()))
        if not np.allclose(np.diagonal(covmean).imag, 0, atol=1e-3 * scale):
            raise ValueError(f"sqrtm has a large imaginary component {np.abs(covmean.imag).max():.3g}")
        covmean = covmean.real
    return float(diff @ diff + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean))


def feature_stats(f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and (unbiased, ``np.cov``) covariance of features ``(N, d)``."""
    f = np.asarray(f, np.float64)
    return f.mean(axis=0), np.cov(f, rowvar=False)


def _poly_mmd2_unbiased(x: np.ndarray, y: np.ndarray) -> float:
    d = x.shape[1]

    def cubic(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        k = a @ b.T
        k /= d
        k += 1
        return k * k * k  # several times faster than ** 3

    kxx, kyy, kxy = cubic(x, x), cubic(y, y), cubic(x, y)
    m = len(x)
    sum_xx = kxx.sum() - np.trace(kxx)
    sum_yy = kyy.sum() - np.trace(kyy)
    return float((sum_xx + sum_yy) / (m * (m - 1)) - 2 * kxy.sum() / (m * m))


def kid(f1, f2, n_subsets: int = 100, subset_size: int = 1000, seed: int = 0) -> float:
    """Kernel Inception Distance (here: classifier features): unbiased MMD^2, cubic polynomial kernel.

    As in Binkowski et al. 2018 (``polynomial_mmd_averages``): kernel ``k(x, y) = (x.y / d + 1)^3``; each of
    ``n_subsets`` rounds draws ``subset_size`` rows (without replacement, ``min(subset_size, len(f1), len(f2))``)
    from each set and computes the unbiased estimator; the mean over rounds is returned. Deterministic for a
    given ``seed``. Can be slightly negative when the two sets come from the same distribution.
    """
    f1, f2 = np.asarray(f1, np.float64), np.asarray(f2, np.float64)
    if f1.ndim != 2 or f2.ndim != 2 or f1.shape[1] != f2.shape[1]:
        raise ValueError(f"features must be (N, d) with the same d; got {f1.shape} and {f2.shape}")
    m = min(subset_size, len(f1), len(f2))
    if m < 2:
        raise ValueError(f"KID needs at least 2 samples per set; got {len(f1)} and {len(f2)}")
    rng = np.random.default_rng(seed)
    vals = [_poly_mmd2_unbiased(f1[rng.choice(len(f1), m, replace=False)],
                                f2[rng.choice(len(f2), m, replace=False)]) for _ in range(n_subsets)]
    return float(np.mean(vals))


def sq_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Squared Euclidean distances (len(a), len(b)) as |a|^2 + |b|^2 - 2 a.b: one matrix product (multi-threaded
    BLAS, several times faster than ``scipy.spatial.distance.cdist``, which a test checks it against)."""
    d = np.einsum("ij,ij->i", a, a)[:, None] + np.einsum("ij,ij->i", b, b)[None, :]
    d -= 2.0 * (a @ b.T)
    return np.maximum(d, 0.0, out=d)  # rounding can dip just below 0 for (near-)equal rows


def _kth_nn_radii(f: np.ndarray, k: int, batch: int = 1000) -> np.ndarray:
    """*Squared* distance from each row to its k-th nearest neighbour in the same set (itself excluded)."""
    radii = np.empty(len(f))
    for i in range(0, len(f), batch):
        d = sq_distances(f[i:i + batch], f)
        # the point itself sits at distance 0, so the k-th neighbour is the (k+1)-th smallest
        radii[i:i + batch] = np.partition(d, k, axis=1)[:, k]
    return radii


def _coverage_both_ways(real_f, fake_f, real_radii, fake_radii, batch: int = 1000) -> tuple[float, float]:
    """(share of fakes inside some real ball, share of reals inside some fake ball), from one pass over the distances.

    Radii and distances are both squared (same comparisons, no square roots).
    """
    fake_in = np.zeros(len(fake_f), bool)
    real_in = np.zeros(len(real_f), bool)
    for i in range(0, len(real_f), batch):
        d = sq_distances(real_f[i:i + batch], fake_f)  # (b_real, n_fake)
        fake_in |= (d <= real_radii[i:i + batch, None]).any(axis=0)
        real_in[i:i + batch] = (d <= fake_radii[None, :]).any(axis=1)
    return float(fake_in.mean()), float(real_in.mean())


def precision_recall(real_f, fake_f, k: int = 3, *,
                     _real_sq_radii: np.ndarray | None = None) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) with k-NN manifolds.

    Each set's manifold is the union of balls around its points with radius = distance to the point's k-th
    nearest neighbour within the set. Precision = share of fake samples inside the real manifold; recall =
    share of real samples inside the fake manifold; a point on a ball's boundary counts as inside, so two
    identical sets give (1, 1). Squared Euclidean distances (which order the same), in row batches so memory stays bounded (about 80 MB for 10k x 10k).
    """
    real_f, fake_f = np.asarray(real_f, np.float64), np.asarray(fake_f, np.float64)
    if real_f.ndim != 2 or fake_f.ndim != 2 or real_f.shape[1] != fake_f.shape[1]:
        raise ValueError(f"features must be (N, d) with the same d; got {real_f.shape} and {fake_f.shape}")
    if min(len(real_f), len(fake_f)) <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} samples per set; "
                         f"got {len(real_f)} real and {len(fake_f)} fake")
    real_radii = _real_sq_radii if _real_sq_radii is not None else _kth_nn_radii(real_f, k)
    fake_radii = _kth_nn_radii(fake_f, k)
    return _coverage_both_ways(real_f, fake_f, real_radii, fake_radii)


def mode_coverage(pred) -> dict:
    """Predicted-digit histogram and how evenly it covers the 10 digits.

    * ``histogram``: list of 10 ints, the count of samples predicted as each digit;
    * ``digits_covered``: the number of digits that receive at least 10% of the uniform share, i.e. at least
      1% of the samples (``count >= 0.01 * N``); 10 means no digit is (nearly) missing;
    * ``kl_to_uniform``: KL(p || uniform) in nats, ``sum p log(10 p)`` with ``0 log 0 = 0``; 0 for a perfectly
      balanced histogram, ``log 10 = 2.303`` when every sample is the same digit.
    """
    pred = np.asarray(pred)
    if pred.ndim != 1 or pred.size == 0 or not np.issubdtype(pred.dtype, np.integer):
        raise ValueError(f"predictions must be a non-empty 1-D integer array; got {pred.dtype} {pred.shape}")
    if pred.min() < 0 or pred.max() >= NUM_CLASSES:
        raise ValueError(f"predictions must be digits 0..9; got values in [{pred.min()}, {pred.max()}]")
    hist = np.bincount(pred, minlength=NUM_CLASSES)
    p = hist / hist.sum()
    nz = p > 0
    kl = float(np.sum(p[nz] * np.log(p[nz] * NUM_CLASSES)))
    covered = int(np.sum(hist >= 0.1 * hist.sum() / NUM_CLASSES))
    return {"histogram": [int(c) for c in hist], "digits_covered": covered, "kl_to_uniform": kl}


# ------------------------------------------------------------------------------------------------- reference
_MEMO: dict[str, dict[str, np.ndarray]] = {}
_REF_K = 3
_REF_KEYS = ("features", "predictions", "labels", "mu", "sigma", "sq_radii_k3")


REFERENCES = ("test", "train")  # the 10k test images (reported), the last 10k training images (for selection)


def _reference_file(reference: str = "test", dataset: str = "mnist") -> Path:
    from gans_common.mnist import cache_dir
    return cache_dir(dataset) / f"evaluator-{reference}-ref-v2-{classifier_hash(dataset=dataset)[:16]}.npz"


def _reference_images(reference: str, dataset: str = "mnist") -> tuple[np.ndarray, np.ndarray]:
    from gans_common.mnist import load_mnist
    if reference == "test":
        return load_mnist("test", dataset=dataset)
    images, labels = load_mnist("train", dataset=dataset)
    return images[-10000:], labels[-10000:]  # not the first 10k, which the real-data floor scores


def _reference(reference: str = "test", dataset: str = "mnist") -> dict[str, np.ndarray]:
    """Features, predictions, mean, covariance and k=3 radii of the 10k reference images (``reference``: the test
    set, or the last 10k training images); cached on disk and in memory."""
    if reference not in REFERENCES:
        raise ValueError(f"unknown reference {reference!r}: choose one of {', '.join(REFERENCES)}")
    key = f"{dataset}-{reference}-{classifier_hash(dataset=dataset)}"
    if key in _MEMO:
        return _MEMO[key]
    path = _reference_file(reference, dataset)
    ref = None
    if path.exists():
        try:
            with np.load(path, allow_pickle=False) as data:
                ref = {k: data[k] for k in data.files}
            if set(ref) != set(_REF_KEYS) or ref["features"].shape != (10000, FEATURE_DIM):
                ref = None
        except Exception:  # unreadable or truncated cache: rebuild it
            ref = None
    if ref is None:
        images, labels = _reference_images(reference, dataset)
        feats, preds = _features_and_predictions(images, dataset=dataset)
        mu, sigma = feature_stats(feats)
        ref = {"features": feats, "predictions": preds, "labels": labels.astype(np.int64), "mu": mu,
               "sigma": sigma, "sq_radii_k3": _kth_nn_radii(feats, _REF_K)}
        save_cache(path, lambda fh: np.savez(fh, **ref))
    _MEMO[key] = ref
    return ref


def save_cache(path: Path, write) -> None:
    """Write a cache file atomically, ``write(fh)`` into a temporary file beside ``path`` then a rename (a second
    process reads the whole file or none); a read-only cache is skipped: the value stays in memory only."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        os.replace(tmp, path)
    except OSError:
        pass


def _score(feats: np.ndarray, preds: np.ndarray, n_ref: int, reference: str = "test", dataset: str = "mnist") -> dict:
    ref = _reference(reference, dataset)
    if not 1 < n_ref <= len(ref["features"]):
        raise ValueError(f"n_ref must be in 2..{len(ref['features'])}; got {n_ref}")
    if len(feats) <= _REF_K:
        raise ValueError(f"need more than {_REF_K} samples to score; got {len(feats)}")
    full = n_ref == len(ref["features"])
    rf = ref["features"][:n_ref]
    mu_r, sig_r = (ref["mu"], ref["sigma"]) if full else feature_stats(rf)
    mu_g, sig_g = feature_stats(feats)
    precision, recall = precision_recall(rf, feats, k=_REF_K,
                                         _real_sq_radii=ref["sq_radii_k3"] if full else None)
    out = {"fid": frechet_distance(mu_g, sig_g, mu_r, sig_r), "kid": kid(feats, rf),
           "precision": precision, "recall": recall}
    out.update(mode_coverage(preds))
    out.update(n_samples=int(len(feats)), n_ref=int(n_ref), reference=reference, dataset=dataset)
    return out


def evaluate(samples, n_ref: int = 10000, reference: str = "test", dataset: str = "mnist") -> dict:
    """Score generated samples against the first ``n_ref`` MNIST test images (all 10k by default); with
    ``reference="train"`` against the last 10k training images instead (select hyperparameters on that, report on
    the test images, so a table is not tuned on its own reference).

    ``samples``: anything :func:`as_images` accepts (10k samples recommended; FID is biased upwards for
    small N, so compare only numbers made with the same N). Returns a dict of plain Python numbers:
    ``fid``, ``kid``, ``precision``, ``recall`` (floats), ``digits_covered`` (int), ``kl_to_uniform`` (float),
    ``histogram`` (list of 10 ints), ``n_samples``, ``n_ref``. The FID is in this classifier's feature
    space, not Inception's: not comparable with published FIDs. ``dataset``: whose classifier and reference
    images score the samples ('mnist' or 'fashion-mnist'); the result names it, and publishing a run refuses
    metrics of another dataset than the run's.
    """
    feats, preds = _features_and_predictions(samples, dataset=dataset)
    return _score(feats, preds, n_ref, reference, dataset)


def real_floor(n: int = 10000, n_ref: int = 10000, dataset: str = "mnist") -> dict:
    """The real-vs-real floor: the first ``n`` training images scored exactly like generated samples."""
    from gans_common.mnist import load_mnist
    images, _ = load_mnist("train", dataset=dataset)
    if not 3 < n <= len(images):
        raise ValueError(f"n must be in 4..{len(images)}; got {n}")
    return evaluate(images[:n], n_ref=n_ref, dataset=dataset)


def _fmt(d: dict) -> str:
    return (f"FID {d['fid']:.4f}  KID {d['kid']:.5f}  precision {d['precision']:.4f}  recall {d['recall']:.4f}  "
            f"digits covered {d['digits_covered']}/10  KL to uniform {d['kl_to_uniform']:.4f}\n"
            f"  histogram {d['histogram']}")


def format_metrics(m: dict) -> str:
    """One readable line of the yardstick, for notebooks."""
    return (f"classifier-FID {m['fid']:.2f}  KID {m['kid']:.3f}  precision {m['precision']:.3f}  "
            f"recall {m['recall']:.3f}  digits covered {m['digits_covered']}/10  KL(uniform) "
            f"{m['kl_to_uniform']:.3f}  ({m['n_samples']} samples)\ndigit histogram {m['histogram']}")


def main(argv=None) -> int:
    import argparse
    parser = argparse.ArgumentParser(description="the real-vs-real floor of a dataset's yardstick")
    parser.add_argument("--dataset", default="mnist", help="mnist (default) or fashion-mnist")
    dataset = parser.parse_args(argv).dataset
    t0 = time.perf_counter()
    _reference(dataset=dataset)
    t_ref = time.perf_counter() - t0
    t0 = time.perf_counter()
    floor = real_floor(dataset=dataset)
    t_eval = time.perf_counter() - t0
    print(f"Evaluator: features of the project's {dataset} classifier (gans_study/{classifier_file(dataset)}, "
          f"sha256 {classifier_hash(dataset=dataset)[:12]}); classifier-space FID, not Inception FID.")
    print(f"Real-vs-real floor (first 10k train images vs 10k test images):\n  {_fmt(floor)}")
    print(f"Reference statistics ready in {t_ref:.2f} s (cached at {_reference_file(dataset=dataset)}); "
          f"scoring 10k samples took {t_eval:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
