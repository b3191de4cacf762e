"""Nearest training neighbours and the memorised share: checked against scipy and on known copies."""
import numpy as np
import pytest
from scipy.spatial.distance import cdist

from gans_study import memorisation as mem


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_MNIST_CACHE", str(tmp_path))


def images(n, seed):
    return np.random.default_rng(seed).integers(0, 256, (n, 28, 28), dtype=np.uint8)


def test_nearest_equals_scipy():
    rng = np.random.default_rng(0)
    q, r = rng.standard_normal((37, 16)), rng.standard_normal((101, 16))
    idx, dist = mem.nearest(q, r, batch=10)
    ref = cdist(q, r)
    np.testing.assert_array_equal(idx, ref.argmin(1))
    np.testing.assert_allclose(dist, ref.min(1), rtol=1e-4)


def test_copies_are_found_and_new_images_are_not():
    train, test = images(400, 1), images(4000, 2)
    copies = mem.memorisation(train[:50], train, test, "pixel")
    assert copies["share"] == 1.0 and (copies["index"] == np.arange(50)).all() and copies["distance"].max() < 1e-3
    new = mem.memorisation(images(100, 3), train, test, "pixel")
    assert new["share"] < 0.1 and new["threshold"] > 0
    assert 0 <= new["real_share"] <= 0.03  # held-out test images against the other half's threshold
    again = mem.memorisation(images(100, 3), train, test, "pixel")  # from the disk cache now
    assert again["threshold"] == new["threshold"]


def test_feature_space_and_bad_space():
    train, test = images(60, 4), images(40, 5)
    found = mem.memorisation(train[:5], train, test, "feature")
    assert found["share"] == 1.0 and found["space"] == "feature"
    with pytest.raises(ValueError, match="use 'pixel' or 'feature'"):
        mem.embed(train, "cosine")


def test_neighbour_rows_put_each_sample_above_its_neighbours():
    train, test = images(100, 6), images(40, 7)
    samples = train[[5, 9, 11]].astype(np.float32) / 127.5 - 1.0  # as a generator's [-1, 1] output
    found = {s: mem.memorisation(samples, train, test, s) for s in ("pixel", "feature")}
    rows = mem.neighbour_rows(samples, train, found, n=3)
    assert rows.shape == (9, 28, 28) and rows.dtype == np.uint8
    np.testing.assert_array_equal(rows[3:6], train[[5, 9, 11]])


def test_real_share_is_the_calibration_of_the_dataset(monkeypatch):
    """The table's real-data row: the dataset's own test images against the training set, whatever the samples."""
    data = {"train": images(300, 6), "test": images(2000, 7)}
    monkeypatch.setattr(mem, "load_mnist", lambda split, dataset: (data[split], None))
    expected = mem.memorisation(images(10, 8), data["train"], data["test"], "pixel")["real_share"]
    assert mem.real_share("mnist") == expected and 0 <= expected <= 0.03
