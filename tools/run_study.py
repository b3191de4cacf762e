"""The whole study: fetch MNIST, execute every notebook at full length in place, then the comparison notebook,
then regenerate README's results table.

    python tools/run_study.py [--only pytorch/vanilla_gan ...]

Each notebook runs in its own kernel (TensorFlow and PyTorch never share a process), outputs kept, as committed.
"""
import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

from gans_common.notebook import execute

ROOT = Path(__file__).resolve().parent.parent
ORDER = [f"{fw}/{nb}" for fw in ("pytorch", "tensorflow") for nb in ("vanilla_gan", "lsgan", "dcgan", "wgan_gp")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", help="notebooks to run, e.g. pytorch/dcgan (default: all eight)")
    args = parser.parse_args()
    if os.environ.get("GANS_SMOKE", "") not in ("", "0"):
        sys.exit("error: GANS_SMOKE is set; unset it to run the study at full length")
    subprocess.run([sys.executable, "-m", "gans_common.mnist"], check=True)
    total = time.perf_counter()
    for name in args.only or ORDER:
        path = ROOT / "notebooks" / f"{name}.ipynb"
        print(f"running {path.relative_to(ROOT)} ...", flush=True)
        print(f"  {execute(path):.0f} s", flush=True)
    print(f"running notebooks/comparison.ipynb ... {execute(ROOT / 'notebooks' / 'comparison.ipynb'):.0f} s")
    subprocess.run([sys.executable, str(ROOT / "tools" / "results_table.py")], check=True)
    print(f"study done in {(time.perf_counter() - total) / 60:.1f} min")


if __name__ == "__main__":
    main()
