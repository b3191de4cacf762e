"""Is a refactor behaviour-neutral? Train every model briefly at this checkout and at another commit, compare.

    python tools/bitwise_check.py --against 44de858 [--subset 2000] [--epochs 2] [--variants ...] [--frameworks ...]

Each run is ``python -m gans_pt|gans_tf --variant V --train-subset N --epochs E --seed 0`` in a fresh process, once
from this working tree and once from a ``git worktree`` of ``--against``; the losses of every step and every tensor
of the final checkpoint (nets, optimizers), taken in order, must be bitwise equal. Prints one line per model, with
both runs' training seconds and their ratio (the two run back to back, so the ratio, not the seconds, is the
measurement; nothing else may run beside them); exit status 0 if all are equal.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"pytorch": "gans_pt", "tensorflow": "gans_tf"}  # literal: the other commit may not have this module
VARIANTS = ("vanilla", "lsgan", "dcgan", "wgan_gp")


def train(code: Path, framework: str, variant: str, run_dir: Path, args) -> None:
    env = os.environ | {"PYTHONPATH": str(code), "TF_CPP_MIN_LOG_LEVEL": "2", "GANS_SMOKE": ""}
    subprocess.run([sys.executable, "-m", PACKAGES[framework], "--variant", variant, "--train-subset",
                    str(args.subset), "--epochs", str(args.epochs), "--seed", "0", "--run-dir", str(run_dir),
                    "--no-progress"], cwd=code, env=env, check=True, capture_output=True)


def tensors(run_dir: Path, framework: str) -> dict[str, np.ndarray]:
    ckpt = run_dir / "checkpoint"
    with np.load(ckpt / "history.npz") as f:
        out = {f"history/{k}": f[k] for k in f.files}
    if framework == "tensorflow":
        with np.load(ckpt / "model.npz") as f:
            out |= {k: f[k] for k in f.files}
        return out
    import torch

    def flat(prefix, obj):
        if torch.is_tensor(obj):
            yield prefix, obj.numpy()
        elif isinstance(obj, dict):
            for k, v in obj.items():
                yield from flat(f"{prefix}/{k}", v)
        elif isinstance(obj, (list, tuple)):
            for i, v in enumerate(obj):
                yield from flat(f"{prefix}/{i}", v)
    return out | dict(flat("model", torch.load(ckpt / "model.pt", weights_only=False)))


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--against", required=True, help="the commit to compare with")
    p.add_argument("--subset", type=int, default=2000)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--variants", nargs="+", default=list(VARIANTS))
    p.add_argument("--frameworks", nargs="+", default=list(PACKAGES))
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bitwise-"))
    other = tmp / "other"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(other), args.against], cwd=ROOT, check=True)
    ok = True
    try:
        for framework in args.frameworks:
            for variant in args.variants:
                runs = {}
                for label, code in (("here", ROOT), ("other", other)):
                    runs[label] = tmp / f"{label}_{framework}_{variant}"
                    train(code, framework, variant, runs[label], args)
                a, b = tensors(runs["here"], framework), tensors(runs["other"], framework)
                # in order, not by name: a refactor may rename modules (state-dict keys), never reorder them
                same = len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a.values(), b.values()))
                ok &= same
                secs = {k: json.loads((r / "record.json").read_text())["wall_seconds"] for k, r in runs.items()}
                print(f"{framework:<10} {variant:<8} {len(a)} tensors (losses of "
                      f"{len(a['history/step'])} steps, nets, optimizers): "
                      f"{'bitwise equal' if same else 'DIFFERENT'} to {args.against}; train s here "
                      f"{secs['here']:.1f}, there {secs['other']:.1f} ({secs['here'] / secs['other']:.2f}x)", flush=True)
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(other)], cwd=ROOT)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
