"""Train the small MNIST (or Fashion-MNIST) classifier whose features are the study's evaluation yardstick.

The weights go to ``gans_study/classifier.npz`` (Fashion-MNIST: ``classifier-fashion-mnist.npz``; float32) and a record of how they were made (test accuracy,
seed, command, versions) to ``gans_study/classifier.json``. ``gans_study.evaluate`` runs the same network in
plain numpy, so scoring a model never needs PyTorch or TensorFlow.

Architecture (input: float images in [-1, 1], shape (N, 28, 28), used as one channel):

    conv 1->16, 3x3, padding 1, ReLU, max-pool 2   -> 16 x 14 x 14
    conv 16->32, 3x3, padding 1, ReLU, max-pool 2  -> 32 x 7 x 7
    flatten (C, H, W order), dense 1568->64, ReLU  -> the 64-d feature used by FID/KID/precision/recall
    dense 64->10                                   -> logits used for the mode-coverage histogram

Deterministic: fixed seed, ``torch.use_deterministic_algorithms(True)``, one CPU thread by default.

    python tools/train_classifier.py            # about a few minutes on one CPU thread
    python tools/train_classifier.py --dataset fashion-mnist
"""
from __future__ import annotations

import argparse
import hashlib
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from gans_common.mnist import load_mnist  # noqa: E402
from gans_study.evaluate import classifier_file  # noqa: E402

MIN_ACCURACY = {"mnist": 0.99, "fashion-mnist": 0.90}  # below this on the test set nothing is saved


def build_model() -> nn.Sequential:
    """The classifier; layer names match the keys saved to the npz (see :func:`export`)."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )


# npz key -> index of the layer in build_model()
LAYERS = {"conv1": 0, "conv2": 3, "fc1": 7, "fc2": 9}


def export(model: nn.Sequential) -> dict[str, np.ndarray]:
    out = {}
    for name, idx in LAYERS.items():
        layer = model[idx]
        out[f"{name}_w"] = layer.weight.detach().cpu().numpy().astype(np.float32)
        out[f"{name}_b"] = layer.bias.detach().cpu().numpy().astype(np.float32)
    return out


def save_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """Like ``np.savez`` but byte-reproducible (fixed zip timestamps), so the same weights give the same hash."""
    import io
    import zipfile
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[key]), allow_pickle=False)
            zf.writestr(zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0)), buf.getvalue())


def to_input(images: np.ndarray) -> torch.Tensor:
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28) in [-1, 1] (the same scaling as ``evaluate.as_images``)."""
    return torch.from_numpy(images.astype(np.float32) / 127.5 - 1.0).unsqueeze(1)


@torch.no_grad()
def accuracy(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 1000) -> float:
    model.eval()
    correct = 0
    for i in range(0, len(x), batch):
        correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / len(x)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--dataset", choices=list(MIN_ACCURACY), default="mnist")
    parser.add_argument("--out", type=Path, help="default: the evaluator's file for the dataset (gans_study/)")
    args = parser.parse_args(argv)
    args.out = args.out or ROOT / "gans_study" / classifier_file(args.dataset)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    torch.use_deterministic_algorithms(True)

    x_train, y_train = load_mnist("train", dataset=args.dataset)
    x_test, y_test = load_mnist("test", dataset=args.dataset)
    xt, yt = to_input(x_train), torch.from_numpy(y_train.astype(np.int64))
    xv, yv = to_input(x_test), torch.from_numpy(y_test.astype(np.int64))

    model = build_model()
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    steps_per_epoch = (len(xt) + args.batch_size - 1) // args.batch_size
    # Cosine decay to zero over the whole run: the last, small steps buy the final tenths of a percent.
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=args.epochs * steps_per_epoch)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(args.seed)

    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        total = 0.0
        for i in range(0, len(xt), args.batch_size):
            idx = perm[i:i + args.batch_size]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        acc = accuracy(model, xv, yv)
        print(f"epoch {epoch + 1}/{args.epochs}: train loss {total / len(xt):.4f}, "
              f"test accuracy {acc:.4%} ({time.time() - t0:.0f} s)", flush=True)
    train_seconds = time.time() - t0

    test_acc = accuracy(model, xv, yv)
    train_acc = accuracy(model, xt, yt)
    if test_acc < MIN_ACCURACY[args.dataset]:
        print(f"test accuracy {test_acc:.4%} is below the required {MIN_ACCURACY[args.dataset]:.0%}; nothing saved",
              file=sys.stderr)
        return 1

    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_npz(args.out, export(model))
    sha = hashlib.sha256(args.out.read_bytes()).hexdigest()
    try:
        shown = args.out.resolve().relative_to(ROOT)
    except ValueError:
        shown = args.out
    record = {
        "weights": str(shown),
        "weights_sha256": sha,
        "dataset": args.dataset,
        "test_accuracy": round(test_acc, 6),
        "train_accuracy": round(train_acc, 6),
        "seed": args.seed,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "optimizer": f"Adam(lr={args.lr}), cosine decay to 0 per step",
        "input": "float images in [-1, 1], shape (N, 28, 28) (uint8 / 127.5 - 1)",
        "architecture": "conv1 1->16 3x3 p1 ReLU maxpool2; conv2 16->32 3x3 p1 ReLU maxpool2; "
                        "flatten(CHW) fc1 1568->64 ReLU (feature); fc2 64->10 (logits)",
        "feature_dim": 64,
        "command": " ".join(["python", "tools/train_classifier.py", *(sys.argv[1:] if argv is None else argv)]),
        "torch_version": torch.__version__,
        "numpy_version": np.__version__,
        "python_version": platform.python_version(),
        "threads": args.threads,
        "deterministic": True,
        "train_seconds": round(train_seconds, 1),
    }
    args.out.with_suffix(".json").write_text(json.dumps(record, indent=2) + "\n")
    print(f"saved {args.out} ({args.out.stat().st_size / 1024:.0f} KiB, sha256 {sha[:12]}), "
          f"test accuracy {test_acc:.4%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
