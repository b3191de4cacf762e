"""Fault injection: kill -9 a training process at random moments, resume it each time, and compare the end with an
uninterrupted run of the same seed.

    python tools/kill_and_resume.py --framework pytorch [--variant vanilla] [--subset 3200] [--epochs 10] [--kills 20]

Each process is killed a random time after it starts training (its "training ..." line: imports, nets and data
ready), from ``--seed``: uniform over the first ``--fraction`` (a third) of what the uninterrupted run spent from there on (steps,
per-epoch grids, curve evaluations, checkpoint writes), and resumed; when a run gets to its end between kills, it is compared and a new one starts, until
``--kills`` kills are done. Each finished run is resumed to its end;
the losses of every step, the final checkpoint's weights and the per-epoch sample snapshots must equal the
uninterrupted run's bit for bit. Prints one line per kill and the verdict; exit status 0 if equal.
"""
import argparse
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np


def cli(framework, run_dir, args, *extra):
    return [sys.executable, "-m", {"pytorch": "gans_pt", "tensorflow": "gans_tf"}[framework], "--variant",
            args.variant, "--train-subset", str(args.subset), "--epochs", str(args.epochs), "--no-progress",
            "--run-dir", str(run_dir), *extra]


def outcome(run_dir):
    """(losses of every step, the final weights file's bytes, the per-epoch snapshots)."""
    run_dir = Path(run_dir)
    with np.load(run_dir / "checkpoint" / "history.npz") as f:
        hist = {k: f[k] for k in f.files}
    weights = sorted((run_dir / "checkpoint").glob("model.*"))[0].read_bytes()
    with np.load(run_dir / "samples.npz") as f:
        snapshots = f["snapshots"]
    return hist, weights, snapshots


def started_training(cmd):
    """Start ``cmd`` and wait until it prints its "training ..." line (imports, nets and data are ready);
    returns (that moment, the process)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if line.startswith("training "):
            break
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep the pipe drained
    return time.perf_counter(), proc


def progress(run_dir):
    try:
        s = json.loads((Path(run_dir) / "checkpoint" / "state.json").read_text())
        return f"epoch {s['epoch']}, step {s['step_in_epoch']}"
    except (OSError, ValueError):
        return "no checkpoint yet"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--framework", choices=["pytorch", "tensorflow"], required=True)
    p.add_argument("--variant", default="vanilla")
    p.add_argument("--subset", type=int, default=3200)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--kills", type=int, default=20)
    p.add_argument("--seed", type=int, default=0, help="seed of the kill moments")
    p.add_argument("--fraction", type=float, default=1 / 3, help="kill within this fraction of the uninterrupted "
                   "run's time from its training line (TensorFlow's first epoch holds the XLA compile: use more)")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kill-resume-"))
    started, straight = started_training(cli(args.framework, tmp / "straight", args))
    if straight.wait():
        print(f"the uninterrupted run failed: {straight.stderr.read().strip()[-300:]}")
        return 1
    rest = time.perf_counter() - started  # training, grids, evaluations, checkpoints: where the kills go
    rng = np.random.default_rng(args.seed)
    kills, chains, verdicts = 0, 0, []
    while kills < args.kills:  # a chain: kill, resume, kill, ... until it finishes; then the next chain
        run = tmp / f"killed{chains}"
        while kills < args.kills:
            delay = rng.uniform(0, rest * args.fraction)
            # resume once any checkpoint exists (a swap the kill interrupted included), else start afresh
            resume = any((run / n / "state.json").exists() for n in ("checkpoint", "checkpoint.new", "checkpoint.old"))
            _, proc = started_training(cli(args.framework, run, args, *(["--resume", str(run)] if resume else [])))
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
            if proc.returncode not in (0, -signal.SIGKILL):
                print(f"the run failed (exit {proc.returncode}): {proc.stderr.read().strip()[-300:]}")
                return 1
            if proc.returncode == 0:
                break
            kills += 1
            print(f"kill {kills:2d} (chain {chains + 1}) at {delay:5.1f} s; checkpoint at {progress(run)}", flush=True)
        resume = any((run / n / "state.json").exists() for n in ("checkpoint", "checkpoint.new", "checkpoint.old"))
        final = subprocess.run(cli(args.framework, run, args, *(["--resume", str(run)] if resume else [])),
                               capture_output=True, text=True)
        if final.returncode:
            print(f"final resume failed: {final.stderr.strip()[-300:]}")
            return 1
        (h1, w1, s1), (h2, w2, s2) = outcome(tmp / "straight"), outcome(run)
        same = dict(losses=all(np.array_equal(h1[k], h2[k]) for k in h1), weights=w1 == w2,
                    snapshots=s1.shape == s2.shape and np.array_equal(s1, s2))
        verdicts.append(all(same.values()))
        chains += 1
        print(f"chain {chains} finished: " + ", ".join(f"{k} {'bitwise equal' if v else 'DIFFERENT'}"
                                                       for k, v in same.items()), flush=True)
    print(f"{args.framework} {args.variant}: {kills} kills in {chains} chains; {sum(verdicts)} of {chains} chains "
          f"bitwise equal to the uninterrupted run (losses of {len(h1['step'])} steps, weights, {len(s1)} snapshots)")
    return 0 if all(verdicts) else 1

if __name__ == "__main__":
    sys.exit(main())
