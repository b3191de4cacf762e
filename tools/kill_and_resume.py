"""Kill -9 a training process mid-epoch, resume it, and compare with an uninterrupted run of the same seed.

    python tools/kill_and_resume.py --framework pytorch [--variant vanilla] [--subset 10000] [--epochs 4]

Prints the step the resumed run continued from, how many steps were lost (taken but not checkpointed), and
whether the final losses and weights equal those of the uninterrupted run.
"""
import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def cli(framework, run_dir, args, *extra):
    return [sys.executable, "-m", {"pytorch": "gans_pt", "tensorflow": "gans_tf"}[framework], "--variant",
            args.variant, "--train-subset", str(args.subset), "--epochs", str(args.epochs), "--no-progress",
            "--run-dir", str(run_dir), *extra]


def final(run_dir):
    with np.load(Path(run_dir) / "checkpoint" / "history.npz") as f:
        hist = {k: f[k] for k in f.files}
    weights = sorted((Path(run_dir) / "checkpoint").glob("model.*"))[0].read_bytes()
    return hist, weights


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--framework", choices=["pytorch", "tensorflow"], required=True)
    p.add_argument("--variant", default="vanilla")
    p.add_argument("--subset", type=int, default=10000)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--kill-in-epoch", type=int, default=3, help="kill while this epoch (1-based) is running")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="kill-resume-"))
    subprocess.run(cli(args.framework, tmp / "straight", args), check=True, capture_output=True)

    run = tmp / "killed"
    proc = subprocess.Popen(cli(args.framework, run, args), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    state_file = run / "checkpoint" / "state.json"
    while not (state_file.exists() and json.loads(state_file.read_text())["epoch"] >= args.kill_in_epoch - 1):
        time.sleep(0.05)
    t_saved = time.time()
    straight_epoch_s = json.loads((tmp / "straight" / "record.json").read_text())["epoch_seconds"]
    time.sleep(0.5 * np.mean(straight_epoch_s))  # halfway through the next epoch
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    state = json.loads(state_file.read_text())
    steps_per_epoch = len(final(tmp / "straight")[0]["step"]) // args.epochs
    lost = round((time.time() - t_saved) / np.mean(straight_epoch_s) * steps_per_epoch)
    print(f"killed (SIGKILL) {time.time() - t_saved:.1f} s after the epoch-{state['epoch']} checkpoint; "
          f"resuming from global step {state['global_step']} (epoch {state['epoch'] + 1}, step "
          f"{state['step_in_epoch']}); about {lost} of {steps_per_epoch} steps of that epoch were lost")
    subprocess.run(cli(args.framework, run, args, "--resume", str(run)), check=True, capture_output=True)
    (h1, w1), (h2, w2) = final(tmp / "straight"), final(run)
    same_losses = all(np.array_equal(h1[k], h2[k]) for k in h1)
    print(f"{args.framework} {args.variant}: losses of all {len(h1['step'])} steps "
          f"{'bitwise equal' if same_losses else 'DIFFERENT'}; final checkpoint weights "
          f"{'bitwise equal' if w1 == w2 else 'DIFFERENT'} (uninterrupted vs killed + resumed)")
    return 0 if same_losses and w1 == w2 else 1


if __name__ == "__main__":
    sys.exit(main())
