"""Fashion-MNIST: the same verified cache as MNIST, its own sources (Debian's package) and the same errors."""
import shutil

import numpy as np
import pytest

from gans_common import mnist
from gans_common.config import ConfigError, make_config

HAVE_APT = bool(shutil.which("apt-get") and shutil.which("dpkg-deb"))


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("GANS_MNIST_CACHE", str(tmp_path))
    monkeypatch.delenv("FASHION_MNIST_DIR", raising=False)
    return tmp_path / "fashion-mnist"


@pytest.mark.skipif(not HAVE_APT, reason="Debian's apt-get and dpkg-deb are needed for the package source")
def test_debian_package_is_read_without_installing_and_verified():
    files = mnist._from_debian_package(*mnist.FASHION_DEBIAN, mnist.FASHION_FILES)
    assert {n: mnist.md5(b) for n, b in files.items()} == mnist.FASHION_FILES  # the uncompressed files' MD5s


@pytest.mark.skipif(not HAVE_APT, reason="Debian's apt-get and dpkg-deb are needed for the package source")
def test_fetch_on_a_machine_without_its_internet_download(empty_cache, monkeypatch, capsys):
    monkeypatch.setattr(mnist, "FASHION_MIRRORS", ())  # only the registry is reachable
    folder = mnist.fetch_mnist(dataset="fashion-mnist")
    assert folder == empty_cache and "Fashion-MNIST from" in capsys.readouterr().out
    images, labels = mnist.load_mnist("test", dataset="fashion-mnist")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8 and np.bincount(labels).tolist() == [1000] * 10
    path = empty_cache / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-7])
    with pytest.raises(mnist.CorruptDataError, match=r"t10k-images-idx3-ubyte is corrupt.*"
                                                     r"python -m gans_common.mnist --dataset fashion-mnist"):
        mnist.load_mnist("test", dataset="fashion-mnist")


def test_no_source_names_every_try_and_the_fix(empty_cache, monkeypatch):
    failing = [("installed package", lambda: (_ for _ in ()).throw(FileNotFoundError("no such folder"))),
               ("download", lambda: (_ for _ in ()).throw(OSError("no route to host")))]
    monkeypatch.setitem(mnist.DATASETS, "fashion-mnist",
                        mnist.Dataset("fashion-mnist", "Fashion-MNIST", mnist.FASHION_FILES, "FASHION_MNIST_DIR",
                                      lambda: failing))
    with pytest.raises(mnist.DataUnavailableError) as err:
        mnist.fetch_mnist(dataset="fashion-mnist")
    text = str(err.value)
    assert text.startswith("Fashion-MNIST is not available") and "no route to host" in text
    assert "set FASHION_MNIST_DIR" in text


def test_a_user_folder_with_mnist_in_it_is_refused(empty_cache, monkeypatch):
    src = mnist.fetch_mnist(quiet=True)  # MNIST's files are not Fashion-MNIST's
    monkeypatch.setitem(mnist.DATASETS, "fashion-mnist",
                        mnist.Dataset("fashion-mnist", "Fashion-MNIST", mnist.FASHION_FILES, "FASHION_MNIST_DIR",
                                      lambda: []))
    with pytest.raises(mnist.DataUnavailableError, match="MD5 mismatch for train-images-idx3-ubyte"):
        mnist.fetch_mnist(src, dataset="fashion-mnist")


def test_dataset_is_a_checked_config_field():
    assert make_config("dcgan", dataset="fashion-mnist").dataset == "fashion-mnist"
    assert make_config("dcgan").dataset == "mnist"
    with pytest.raises(ConfigError, match="unknown dataset 'cifar10': choose one of mnist, fashion-mnist"):
        make_config("dcgan", dataset="cifar10")
