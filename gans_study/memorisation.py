"""Are the samples new images or copies? Each sample's nearest training image, in pixels and in the classifier's
feature space, and the share of samples closer to the training set than real unseen digits ever are.

Calibration (as StudioGAN's ``-knn`` check shows neighbours, and Meehan et al. 2020 calibrate copying against held-out
data): real test images are new by definition, so the 1st percentile of their nearest-training distances is the
"too close" threshold; a generator that copies puts far more than 1% of its samples below it. The check of the
check: half of the test set sets the threshold and the other half is scored, which must give about 1%.
"""
from __future__ import annotations

import hashlib

import numpy as np

from gans_common.images import to_uint8
from gans_common.mnist import cache_dir, load_mnist

from .evaluate import as_images, classifier_hash, features, save_cache

SPACES = ("pixel", "feature")  # where "nearest" is measured
PERCENTILE = 1.0  # "too close": below this percentile of the test images' nearest-training distances


def _flat(images) -> np.ndarray:
    x = as_images(images)  # (N, 28, 28) in [-1, 1]
    return ((x.reshape(len(x), -1) + 1.0) / 2.0).astype(np.float32)  # (N, 784) in [0, 1]


def nearest(queries: np.ndarray, reference: np.ndarray, batch: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """For each row of ``queries`` (N, D) its nearest row of ``reference`` (M, D) by Euclidean distance:
    (index (N,), distance (N,)). Batched matrix products: |q|^2 + |r|^2 - 2 q.r."""
    q, r = np.asarray(queries, np.float32), np.asarray(reference, np.float32)
    r2 = (r * r).sum(1)
    idx, dist = np.empty(len(q), np.int64), np.empty(len(q), np.float64)
    for i in range(0, len(q), batch):
        qb = q[i:i + batch]
        d2 = (qb * qb).sum(1)[:, None] + r2[None, :] - 2.0 * qb @ r.T  # (b, M)
        j = d2.argmin(1)
        # the distance to the one found, directly: the expansion above cancels badly for near-copies
        idx[i:i + batch], dist[i:i + batch] = j, np.linalg.norm(qb - r[j], axis=1)
    return idx, dist


def embed(images, space: str, dataset: str = "mnist") -> np.ndarray:
    """Images as vectors of ``space``: 'pixel' (784 values in [0, 1]) or 'feature' (the evaluator's 64-d features)."""
    if space == "pixel":
        return _flat(images)
    if space == "feature":
        return features(images, dataset=dataset)
    raise ValueError(f"unknown space {space!r}: use 'pixel' or 'feature'")


def _cached(name: str, arrays: list, space: str, dataset: str, compute) -> np.ndarray:
    """``compute()``, kept on disk beside the dataset's cache under a key of the ``arrays``' bytes (and, for
    features, the classifier): the training set's embedding and the test set's distances are the same for every
    model."""
    digest = hashlib.md5()
    for a in arrays:
        digest.update(np.ascontiguousarray(a).tobytes())
    key = digest.hexdigest()[:16]
    if space == "feature":
        key += "-" + classifier_hash(dataset=dataset)[:16]
    path = cache_dir(dataset) / f"memorisation-{name}-{key}.npy"
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError):  # not there yet, or unreadable: compute it again
        pass
    value = compute()
    save_cache(path, lambda fh: np.save(fh, value))
    return value


def memorisation(samples, train_images, test_images, space: str = "pixel", dataset: str = "mnist") -> dict:
    """The nearest training image of every sample, and the share of samples closer than the threshold.

    Returns ``index``/``distance`` (per sample), ``threshold`` (the 1st percentile of the test images'
    nearest-training distances), ``share`` (samples below it) and ``real_share`` (the second half of the test set
    against the threshold of the first half: the calibration check, about 0.01)."""
    train = _cached(f"train-{space}", [train_images], space, dataset, lambda: embed(train_images, space, dataset))
    idx, dist = nearest(embed(samples, space, dataset), train)
    test_dist = _cached(f"test-nn-{space}", [train_images, test_images], space, dataset,
                        lambda: nearest(embed(test_images, space, dataset), train)[1])
    threshold = float(np.percentile(test_dist, PERCENTILE))
    half = len(test_dist) // 2
    real_share = float((test_dist[half:] < np.percentile(test_dist[:half], PERCENTILE)).mean())
    return dict(space=space, index=idx, distance=dist, threshold=threshold, share=float((dist < threshold).mean()),
                real_share=real_share)


def _train_and_test(dataset: str) -> tuple[np.ndarray, np.ndarray]:
    return tuple(load_mnist(split, dataset=dataset)[0] for split in ("train", "test"))


def memorised_shares(samples, dataset: str = "mnist") -> dict[str, float]:
    """``{"memorised_pixel": share, "memorised_feature": share}`` of ``samples`` against ``dataset``'s training
    set: the record's metrics (what ``--publish`` stores; the notebooks compute them cell by cell)."""
    train_images, test_images = _train_and_test(dataset)
    return {f"memorised_{space}": memorisation(samples, train_images, test_images, space, dataset)["share"]
            for space in SPACES}


def real_share(dataset: str = "mnist", space: str = "pixel") -> float:
    """The calibration check alone, for the table's real-data row: the share of the second half of the test set
    closer to the training set than the first half's 1st percentile (about 0.01 when the measure is calibrated)."""
    train_images, test_images = _train_and_test(dataset)
    return memorisation(test_images[:1], train_images, test_images, space, dataset)["real_share"]


def neighbour_rows(samples, train_images, found: dict[str, dict], n: int = 10) -> np.ndarray:
    """uint8 (3n, 28, 28) for a grid of ``n`` columns: the first ``n`` samples, then each one's nearest training
    image in every space of ``found`` (the results of :func:`memorisation` by space), one row per space."""
    first = to_uint8(as_images(samples[:n]))
    train = np.asarray(train_images)
    return np.concatenate([first] + [train[f["index"][:n]] for f in found.values()])
