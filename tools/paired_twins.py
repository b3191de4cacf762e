"""Do the twins train alike over a whole run, or only step by step? Train both from one set of weights on the same
draws and score both.

    python tools/paired_twins.py --variant dcgan --seeds 0 1 2 [--epochs E] [--subset N] [--out FILE]

The parity tests hold one step equal; over thousands of steps float32 round-off grows chaotically, so two runs from
the same start part ways. Here, per seed, the PyTorch preset's initial weights are moved into the TensorFlow nets
(``gans_common.transfer``), and both twins' ``train_step`` get the same inputs every step: the study's data order
(``loop.epoch_order``) and noise drawn once in numpy. So the runs differ only in the step's arithmetic. If
TensorFlow's FID still trails PyTorch's over the seeds, the gap is in the step's numerics; if it does not, it is in
the draws (initial weights and noise) of the study's runs. Each checkpoint records both FIDs (the evaluator, test
reference) and how far the two G's weights have drifted apart (max |a - b| / max |b| over G's tensors).

One process, the twins' steps interleaved (one at a time: time nothing beside it). The record (``--out``, by default
``results/twins/paired_<variant>.json``) holds the command, config, commit and devices (PyTorch's / TensorFlow's).
"""
import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gans_common.frameworks import torch_before_tensorflow  # noqa: E402

torch_before_tensorflow()  # both frameworks in one process: torch (and triton) load first

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import torch  # noqa: E402

import gans_pt  # noqa: E402
import gans_tf  # noqa: E402
from gans_common import loop, mnist, runs  # noqa: E402
from gans_common.config import PRESETS, make_config  # noqa: E402
from gans_common.transfer import pt_to_tf, tf_to_pt  # noqa: E402
from gans_study.evaluate import evaluate  # noqa: E402


def pt_state(model) -> dict:
    return {k: v.detach().cpu().numpy() for k, v in model.state_dict().items()}


def drift(pt_model, tf_model, cfg) -> float:
    """max over G's float tensors of max |PyTorch - TensorFlow| / max |PyTorch| (0 = identical weights)."""
    want, got = pt_state(pt_model), tf_to_pt([v.numpy() for v in tf_model.weights], tf_model, cfg=cfg)
    return max(float(np.max(np.abs(got[k] - w)) / (np.max(np.abs(w)) + 1e-12))
               for k, w in want.items() if w.dtype.kind == "f" and "running" not in k)


def score(trainer, cfg, n) -> dict:
    m = evaluate(loop.sample(trainer, cfg, n))
    return {k: m[k] for k in ("fid", "precision", "recall")}


def paired_run(cfg, images, checkpoints, n_eval, log=print) -> tuple[list[dict], str]:
    """Train the twins of ``cfg`` from PyTorch's initial weights on shared draws; return (a record per checkpoint,
    the devices they trained on)."""
    pt = gans_pt.Trainer(cfg, images, compiled=False)
    tft = gans_tf.Trainer(cfg, images, compiled=False)
    for pt_model, tf_model in ((pt.G, tft.G), (pt.D, tft.D)):
        tf_model.set_weights(pt_to_tf(pt_state(pt_model), pt_model, cfg=cfg))
    assert drift(pt.G, tft.G, cfg) == 0.0

    @tf.function
    def tf_step(reals, z_d, z_g, alpha):
        losses = gans_tf.train_step(tft.G, tft.D, tft.opt_g, tft.opt_d, reals, z_d, z_g, alpha, cfg,
                                    loop.penalty_weights(cfg, 0))
        if tft.G_ema is not None:
            tft.update_ema()
        return losses

    k, b = cfg.k_steps, cfg.batch_size
    steps = len(images) // (k * b)
    rng = np.random.default_rng([cfg.seed, 31337])
    data = np.asarray(images, np.float32) / np.float32(127.5) - np.float32(1.0)  # as images_to_tensor
    out, t0 = [], time.time()
    for epoch in range(1, cfg.epochs + 1):
        order = loop.epoch_order(cfg, epoch - 1, len(images))
        for i in range(steps):
            reals = data[order[i * k * b:(i + 1) * k * b]].reshape(k, b, 28, 28)
            z_d = rng.standard_normal((k, b, cfg.z_dim)).astype(np.float32)
            alpha = (rng.uniform(size=(k, b, 1, 1, 1)) if cfg.loss == "wasserstein"
                     else np.zeros((k, b, 1, 1, 1))).astype(np.float32)
            z_g = rng.standard_normal((cfg.g_batch, cfg.z_dim)).astype(np.float32)
            for name, value in dict(reals=reals[:, :, None], z_d=z_d, z_g=z_g, alpha=alpha).items():
                pt.inputs[name].copy_(torch.from_numpy(value))
            pt._step(loop.penalty_weights(cfg, 0))
            if pt.G_ema is not None:
                pt.update_ema()
            tf_step(tf.constant(reals[..., None]), tf.constant(z_d), tf.constant(z_g), tf.constant(alpha))
            tft.ema_stale = True
        if epoch in checkpoints:
            row = dict(epoch=epoch, seconds=round(time.time() - t0, 1), g_drift=drift(pt.G, tft.G, cfg),
                       pytorch=score(pt, cfg, n_eval), tensorflow=score(tft, cfg, n_eval))
            log(f"  epoch {epoch}: G drift {row['g_drift']:.2e}, FID PyTorch {row['pytorch']['fid']:.2f} / "
                f"TensorFlow {row['tensorflow']['fid']:.2f} ({row['seconds']:.0f} s)")
            out.append(row)
    return out, f"{pt.device} / {tft.device}"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--variant", default="dcgan", choices=PRESETS)
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=0, help="0 = the preset's")
    p.add_argument("--subset", type=int, default=0, help="train on the first N images only (a smoke run); 0 = all")
    p.add_argument("--checkpoints", type=int, nargs="*", default=None,
                   help="epochs at which to score both (default: every second epoch and the last)")
    p.add_argument("--n-eval", type=int, default=10000, help="samples scored per model and checkpoint")
    p.add_argument("--out", type=Path, default=None, help="the record (default results/twins/paired_<variant>.json)")
    args = p.parse_args(argv)
    overrides = dict(epochs=args.epochs) if args.epochs else {}
    out = args.out or ROOT / "results" / "twins" / f"paired_{args.variant}.json"
    runs.check_writable(out.parent, "record folder")
    images = loop.select_images(*mnist.load_mnist("train"), make_config(args.variant))
    if args.subset:
        images = images[:args.subset]
    record = dict(command="python tools/paired_twins.py " + " ".join(argv if argv is not None else sys.argv[1:]),
                  commit=runs.git_commit(), n_eval=args.n_eval, reference="test", seeds={})
    for seed in args.seeds:
        cfg = make_config(args.variant, seed=seed, **overrides)
        checkpoints = set(args.checkpoints or [e for e in range(2, cfg.epochs + 1, 2)] + [cfg.epochs])
        print(f"{args.variant} seed {seed}: {cfg.epochs} epochs, checkpoints {sorted(checkpoints)}", flush=True)
        record["config"] = cfg.replace(seed=0).to_dict()
        record["seeds"][str(seed)], record["device"] = paired_run(cfg, images, checkpoints, args.n_eval,
                                                                  log=lambda s: print(s, flush=True))
        out.write_text(json.dumps(record, indent=1) + "\n")  # after every seed: an interrupted run keeps the rest
    last = [rows[-1] for rows in record["seeds"].values()]
    for fw in ("pytorch", "tensorflow"):
        fids = [r[fw]["fid"] for r in last]
        print(f"{fw}: FID {np.mean(fids):.2f} +- {np.std(fids, ddof=1) if len(fids) > 1 else 0:.2f} "
              f"({', '.join(f'{f:.2f}' for f in fids)})")
    print(f"record: {out}")


if __name__ == "__main__":
    main()
