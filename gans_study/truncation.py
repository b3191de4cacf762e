"""Fidelity against variety for a finished run: its generator sampled with truncated noise.

Brock et al. 2019 ("Large scale GAN training for high fidelity natural image synthesis", the truncation trick)
sample z from a normal truncated to ``|z_i| <= threshold``, trading variety (recall) for fidelity (precision) with
no retraining. The study's conv models cover the data (recall at the floor's) while their precision stays below
the MLPs' (README's table); this probe measures what truncation would give them, on the study's own yardstick.

    python -m gans_study.truncation RUN_DIR [RUN_DIR ...] [--thresholds 2 1.5 1 0.5] [--samples 10000]
                                    [--results-dir results/truncation]

Each run folder's generator (its checkpoint; the EMA generator where the config has one) draws 10k samples per row:
first from the untruncated noise of ``gans_common.loop.sample`` (the published record's own sampling, so that row
reproduces its metrics), then from ``scipy.stats.truncnorm`` at each threshold, drawn by the same seeded generator
(``loop.sample_noise``), all scored against the test images.
One record per run folder: command, commit, device, the run's config and training record, and the rows.
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import scipy.stats

from gans_common import frameworks, loop, mnist, runs
from gans_common.frameworks import NAMES
from gans_common.runs import RunDirError, git_commit, write_json
from gans_study.evaluate import evaluate

RESULTS_DIR = Path(__file__).resolve().parent.parent / "results" / "truncation"
THRESHOLDS = (2.0, 1.5, 1.0, 0.5)
N_SAMPLES = 10000


def truncated(threshold: float):
    """A ``draw`` for ``loop.sample``: N(0, 1) truncated to [-threshold, threshold] (scipy's truncnorm)."""
    return lambda rng, shape: scipy.stats.truncnorm.rvs(-threshold, threshold, size=shape, random_state=rng)


def training_record(run_dir: str | Path) -> dict:
    """The record a finished run folder's training wrote; :class:`RunDirError` if it has none."""
    path = Path(run_dir) / "record.json"
    if not path.exists():
        raise RunDirError(f"{run_dir} has no record.json (not a finished run): finish or resume the run first")
    return json.loads(path.read_text())


def load_run(run_dir: str | Path):
    """(framework, cfg, record, trainer) of a finished run folder, the trainer holding its last checkpoint."""
    record = training_record(run_dir)
    cfg = runs.saved_config(run_dir)
    images = loop.select_images(*mnist.load_mnist("train", dataset=cfg.dataset), cfg)
    trainer = frameworks.package(record["framework"]).Trainer(cfg, images)
    trainer.load(runs.checkpoint_dir(run_dir))
    return record["framework"], cfg, record, trainer


def probe(trainer, cfg, thresholds=THRESHOLDS, n: int = N_SAMPLES, batch: int = 500) -> list[dict]:
    """One row per threshold (None first: untruncated), each with the evaluator's metrics of ``n`` samples."""
    draws = {t: None if t is None else truncated(t) for t in (None, *thresholds)}
    return [{"threshold": t, "metrics": evaluate(loop.sample(trainer, cfg, n, batch, draw), dataset=cfg.dataset)}
            for t, draw in draws.items()]


def summary_line(record: dict) -> str:
    """The record in one line: FID, precision and recall at each threshold."""
    cfg, rows = record["config"], []
    for row in record["rows"]:
        cut, m = row["threshold"], row["metrics"]
        rows.append(f"{'no truncation' if cut is None else f'|z| <= {cut:g}'}: FID {m['fid']:.1f}, "
                    f"precision {m['precision']:.2f}, recall {m['recall']:.2f}")
    return (f"{cfg['variant']} · {NAMES[record['framework']]}, seed {cfg['seed']}, {cfg['epochs']} epochs: "
            + "; ".join(rows))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="score finished runs' generators on truncated noise "
                                                 "(Brock et al. 2019): precision against recall and FID")
    parser.add_argument("run_dirs", nargs="+", metavar="RUN_DIR", help="finished run folders (with record.json)")
    parser.add_argument("--thresholds", type=float, nargs="+", default=list(THRESHOLDS),
                        help="truncation thresholds, each > 0 (default: %(default)s)")
    parser.add_argument("--samples", type=int, default=N_SAMPLES, help="samples per row (default: %(default)s)")
    parser.add_argument("--results-dir", default=str(RESULTS_DIR), help="where the records go")
    args = parser.parse_args(argv)
    if min(args.thresholds) <= 0:
        parser.error(f"--thresholds must all be > 0 (a normal truncated to |z| <= t), got {args.thresholds}")
    if args.samples < 10:
        parser.error(f"--samples must be at least 10 (the evaluator's k-NN needs a few), got {args.samples}")
    out = runs.check_writable(args.results_dir, "--results-dir")
    try:  # every folder checked before any is probed
        used = {training_record(d)["framework"] for d in args.run_dirs}
    except RunDirError as err:
        sys.exit(f"error: {err}")
    if len(used) > 1:
        frameworks.torch_before_tensorflow()  # else PyTorch loaded after TensorFlow crashes the process
    for run_dir in args.run_dirs:
        t0 = time.perf_counter()
        try:
            framework, cfg, trained, trainer = load_run(run_dir)
        except (RunDirError, FileNotFoundError) as err:
            sys.exit(f"error: {err}")
        record = {"command": "python -m gans_study.truncation " + " ".join(argv or sys.argv[1:]),
                  "run_dir": str(run_dir), "framework": framework, "config": cfg.to_dict(),
                  "trained": {k: trained.get(k) for k in ("commit", "device", "epochs", "wall_seconds")},
                  "commit": git_commit(), "device": f"{trainer.device} ({platform.machine()})",
                  "date": time.strftime("%Y-%m-%d"), "rows": probe(trainer, cfg, args.thresholds, args.samples)}
        record["seconds"] = round(time.perf_counter() - t0, 1)
        path = out / f"{framework}_{cfg.variant}_seed{cfg.seed}_{cfg.epochs}ep.json"
        write_json(path, record)
        print(summary_line(record) + f"\nwritten to {path} in {record['seconds']:.0f} s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
