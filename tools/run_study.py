"""The whole study: fetch MNIST, train every model for every seed, then the comparison notebook and README's
results table.

    python tools/run_study.py --seeds 1            # seed 0: the eight notebooks, executed in place
    python tools/run_study.py                      # and seeds 1, 2 of every model, headless (CLI)
    python tools/run_study.py --headless --frameworks pytorch --results-dir results/gpu   # no Jupyter, a GPU
    python tools/run_study.py --headless --seeds 1 --frameworks pytorch --epochs-scale 2 --results-dir results/budget
                                                   # each model for twice its preset's epochs (make budget)
    python tools/run_study.py --headless --seeds 1 --dataset fashion-mnist
                                                   # the eight on Fashion-MNIST, into results/fashion-mnist (make fashion)

Seed 0 runs as the committed notebooks (outputs kept); further seeds run ``python -m gans_pt|gans_tf`` with
``--publish results`` (the same training, the same 10k-sample evaluation, no per-notebook images). Every run is
its own process, so TensorFlow and PyTorch never share one.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from gans_common.config import PRESETS
from gans_common.frameworks import PACKAGES as FRAMEWORKS
from gans_common.mnist import DATASETS
from gans_study.notebook import execute, notebook_path

ROOT = Path(__file__).resolve().parent.parent


def run_headless(framework: str, variant: str, seed: int, results_dir: Path, epochs_scale: float = 1.0,
                 dataset: str = "mnist") -> None:
    suffix = ("" if epochs_scale == 1 else f"_x{epochs_scale:g}") + ("" if dataset == "mnist" else f"_{dataset}")
    run_dir = ROOT / "runs" / framework / f"{variant}_seed{seed}{suffix}"
    epochs = ["--epochs", str(round(PRESETS[variant]["epochs"] * epochs_scale))] if epochs_scale != 1 else []
    subprocess.run([sys.executable, "-m", FRAMEWORKS[framework], "--variant", variant, "--seed", str(seed), *epochs,
                    "--dataset", dataset, "--run-dir", str(run_dir), "--publish", str(results_dir), "--no-progress"],
                   check=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 of every model (default 3)")
    parser.add_argument("--from-seed", type=int, default=0, help="skip the seeds below this one (default 0)")
    parser.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=list(FRAMEWORKS))
    parser.add_argument("--variants", nargs="+", choices=PRESETS, default=list(PRESETS))
    parser.add_argument("--headless", action="store_true", help="seed 0 by the CLI too (notebooks untouched)")
    parser.add_argument("--dataset", choices=DATASETS, default="mnist",
                        help="mnist (default) or fashion-mnist (headless only; publishes to results/fashion-mnist)")
    parser.add_argument("--results-dir", type=Path, default=None,
                        help="where headless runs publish (default results/, or results/fashion-mnist; e.g. "
                             "results/gpu for another device)")
    parser.add_argument("--epochs-scale", type=float, default=1.0,
                        help="train each model for this multiple of its preset's epochs (headless only; e.g. 2 with "
                             "--results-dir results/budget: how far the curves go on past the presets)")
    args = parser.parse_args()
    if args.dataset != "mnist" and not args.headless:
        sys.exit(f"error: --dataset {args.dataset} needs --headless: the notebooks and their figures are MNIST's")
    args.results_dir = args.results_dir or ROOT / "results" / ("" if args.dataset == "mnist" else args.dataset)
    if args.epochs_scale != 1 and not (args.headless and args.results_dir.resolve() != (ROOT / "results").resolve()):
        sys.exit("error: --epochs-scale needs --headless and a --results-dir other than results/ (e.g. results/budget): "
                 "the notebooks and the table use the presets")
    if os.environ.get("GANS_SMOKE", "") not in ("", "0"):
        sys.exit("error: GANS_SMOKE is set; unset it to run the study at full length")
    if args.seeds < 1:
        sys.exit(f"error: --seeds must be at least 1, got {args.seeds}")
    subprocess.run([sys.executable, "-m", "gans_common.mnist", "--dataset", args.dataset], check=True)
    total = time.perf_counter()
    for seed in range(args.from_seed, args.seeds):
        for framework in args.frameworks:
            for variant in args.variants:
                t0 = time.perf_counter()
                if seed == 0 and not args.headless:
                    print(f"running {notebook_path(framework, variant)} ...", flush=True)
                    execute(ROOT / notebook_path(framework, variant))
                else:
                    print(f"training {framework}/{variant} seed {seed} ...", flush=True)
                    run_headless(framework, variant, seed, args.results_dir, args.epochs_scale, args.dataset)
                print(f"  {time.perf_counter() - t0:.0f} s", flush=True)
    if not args.headless:
        print(f"running notebooks/comparison.ipynb ... {execute(ROOT / 'notebooks' / 'comparison.ipynb'):.0f} s")
        subprocess.run([sys.executable, str(ROOT / "tools" / "results_table.py")], check=True)
    print(f"study done in {(time.perf_counter() - total) / 60:.1f} min")


if __name__ == "__main__":
    main()
