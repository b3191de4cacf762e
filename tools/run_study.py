"""The whole study: fetch MNIST, train every model for every seed, then the comparison notebook and README's
results table.

    python tools/run_study.py --seeds 1            # seed 0: the eight notebooks, executed in place
    python tools/run_study.py                      # and seeds 1, 2 of every model, headless (CLI)
    python tools/run_study.py --headless --frameworks pytorch --results-dir results/gpu   # no Jupyter, a GPU
    python tools/run_study.py --headless --seeds 1 --frameworks pytorch --epochs-scale 2 --results-dir results/budget
                                                   # each model for twice its preset's epochs (make budget)
    python tools/run_study.py --headless --seeds 1 --dataset fashion-mnist
                                                   # the eight on Fashion-MNIST, into results/fashion-mnist (make fashion)
    python tools/run_study.py --tier gpu --headless --frameworks pytorch --jobs 4
                                                   # the GPU tier (config.TIERS), 3 seeds, into results/gpu (make study-gpu)

Seed 0 runs as the committed notebooks (outputs kept); further seeds run ``python -m gans_pt|gans_tf`` with
``--publish results`` (the same training, the same 10k-sample evaluation, no per-notebook images). Every run is
its own process, so TensorFlow and PyTorch never share one; ``--jobs`` headless runs at a time (the standard
library's thread pool, each thread waiting on its process) where the machine has the cores, one on 2 CPU cores.
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# This checkout's packages, even where the venv is an editable install of another checkout (a git worktree sharing
# one venv would otherwise train, score and publish with the other checkout's code); main() passes it on.
sys.path.insert(0, str(ROOT))

from gans_common.config import PRESETS, TIERS  # noqa: E402
from gans_common.frameworks import PACKAGES as FRAMEWORKS  # noqa: E402
from gans_common.mnist import DATASETS  # noqa: E402
from gans_study.notebook import execute, notebook_path  # noqa: E402


def run_headless(framework: str, variant: str, seed: int, results_dir: Path, epochs_scale: float = 1.0,
                 dataset: str = "mnist", tier: str = "cpu", quiet: bool = False) -> str:
    """One model, one seed, by the CLI with ``--publish``; its output (returned, not printed, when ``quiet``)."""
    suffix = (("" if epochs_scale == 1 else f"_x{epochs_scale:g}") + ("" if dataset == "mnist" else f"_{dataset}")
              + ("" if tier == "cpu" else f"_{tier}"))
    run_dir = ROOT / "runs" / framework / f"{variant}_seed{seed}{suffix}"
    epochs = (["--epochs", str(round(TIERS[tier][variant]["epochs"] * epochs_scale))] if epochs_scale != 1 else [])
    done = subprocess.run([sys.executable, "-m", FRAMEWORKS[framework], "--variant", variant, "--tier", tier,
                           "--seed", str(seed), *epochs, "--dataset", dataset, "--run-dir", str(run_dir),
                           "--publish", str(results_dir), "--no-progress"],
                          capture_output=quiet, text=True)
    if done.returncode:
        raise RuntimeError(f"{framework}/{variant} seed {seed} failed (exit {done.returncode}):\n"
                           f"{done.stdout or ''}{done.stderr or ''}")
    return done.stdout or ""


def has_gpu() -> bool:
    """Does PyTorch see a CUDA GPU (asked in a child process: this one imports neither framework)?"""
    probe = subprocess.run([sys.executable, "-c", "import torch; print(torch.cuda.is_available())"],
                           capture_output=True, text=True)
    return probe.stdout.strip() == "True"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0..N-1 of every model (default 3)")
    parser.add_argument("--from-seed", type=int, default=0, help="skip the seeds below this one (default 0)")
    parser.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=list(FRAMEWORKS))
    parser.add_argument("--variants", nargs="+", choices=PRESETS, default=list(PRESETS))
    parser.add_argument("--headless", action="store_true", help="seed 0 by the CLI too (notebooks untouched)")
    parser.add_argument("--tier", choices=TIERS, default="cpu",
                        help="cpu (default: the study) or gpu (recipe-size nets, 60 epochs; headless, needs a GPU "
                             "unless --allow-cpu; publishes to results/gpu)")
    parser.add_argument("--allow-cpu", action="store_true", help="run --tier gpu without a GPU (hours per model)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="headless runs at a time (default 1: right for 2 CPU cores; e.g. 4 on one GPU)")
    parser.add_argument("--dataset", choices=DATASETS, default="mnist",
                        help="mnist (default) or fashion-mnist (headless only; publishes to results/fashion-mnist)")
    parser.add_argument("--results-dir", type=Path, default=None,
                        help="where headless runs publish (default results/, or results/fashion-mnist; e.g. "
                             "results/gpu for another device)")
    parser.add_argument("--epochs-scale", type=float, default=1.0,
                        help="train each model for this multiple of its preset's epochs (headless only; e.g. 2 with "
                             "--results-dir results/budget: how far the curves go on past the presets)")
    args = parser.parse_args()
    # every run and notebook kernel started below imports this checkout too
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    if args.dataset != "mnist" and not args.headless:
        sys.exit(f"error: --dataset {args.dataset} needs --headless: the notebooks and their figures are MNIST's")
    if args.tier != "cpu" and not args.headless:
        sys.exit(f"error: --tier {args.tier} needs --headless: the notebooks train the CPU study's presets")
    if args.jobs < 1 or (args.jobs > 1 and not args.headless):
        sys.exit(f"error: --jobs {args.jobs}: give a positive number, and more than 1 only with --headless "
                 f"(notebooks run one at a time)")
    if args.tier == "gpu" and not args.allow_cpu and not has_gpu():
        sys.exit("error: --tier gpu trains recipe-size nets for 60 epochs (hours per model on a CPU) and PyTorch "
                 "sees no CUDA GPU here: run it on a machine with one, or add --allow-cpu")
    args.results_dir = args.results_dir or ROOT / "results" / (
        "gpu" if args.tier == "gpu" else "" if args.dataset == "mnist" else args.dataset)
    if args.epochs_scale != 1 and not (args.headless and args.results_dir.resolve() != (ROOT / "results").resolve()):
        sys.exit("error: --epochs-scale needs --headless and a --results-dir other than results/ (e.g. results/budget): "
                 "the notebooks and the table use the presets")
    if os.environ.get("GANS_SMOKE", "") not in ("", "0"):
        sys.exit("error: GANS_SMOKE is set; unset it to run the study at full length")
    if args.seeds < 1:
        sys.exit(f"error: --seeds must be at least 1, got {args.seeds}")
    subprocess.run([sys.executable, "-m", "gans_common.mnist", "--dataset", args.dataset], check=True)
    total = time.perf_counter()
    models = [(s, f, v) for s in range(args.from_seed, args.seeds) for f in args.frameworks for v in args.variants]
    for seed, framework, variant in [m for m in models if m[0] == 0 and not args.headless]:
        t0 = time.perf_counter()
        print(f"running {notebook_path(framework, variant)} ...", flush=True)
        execute(ROOT / notebook_path(framework, variant))
        print(f"  {time.perf_counter() - t0:.0f} s", flush=True)

    def headless(model):
        seed, framework, variant = model
        t0 = time.perf_counter()
        if args.jobs == 1:
            print(f"training {framework}/{variant} seed {seed} ...", flush=True)
        out = run_headless(framework, variant, seed, args.results_dir, args.epochs_scale, args.dataset, args.tier,
                           quiet=args.jobs > 1)
        print(f"{out}{framework}/{variant} seed {seed}: {time.perf_counter() - t0:.0f} s", flush=True)

    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(headless, m) for m in models if m[0] != 0 or args.headless]
        try:
            for fut in futures:
                fut.result()
        except RuntimeError as err:  # a failed run stops the study (runs already going finish and are kept)
            pool.shutdown(cancel_futures=True)
            sys.exit(f"error: {err}")
    if not args.headless:
        print(f"running notebooks/comparison.ipynb ... {execute(ROOT / 'notebooks' / 'comparison.ipynb'):.0f} s")
        subprocess.run([sys.executable, str(ROOT / "tools" / "results_table.py")], check=True)
    print(f"study done in {(time.perf_counter() - total) / 60:.1f} min")


if __name__ == "__main__":
    main()
