"""What every notebook's config cell needs: the smoke switch and where artifacts go.

``GANS_SMOKE=1`` (set by ``tests/conftest.py`` for nbval) trains a tiny subset for a few steps and writes every
artifact into a temporary folder, never into the tracked ``images/`` or ``results/``.
"""
from __future__ import annotations

import inspect
import re
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gans_common import architectures
from gans_common.config import GANConfig, make_config
from gans_common.frameworks import NAMES as FRAMEWORK_NAMES, other as other_framework  # noqa: F401 (notebook API)
from gans_common.runs import repo_root

SMOKE_OVERRIDES = dict(train_subset=640, epochs=2)  # 640 = 2 WGAN-GP steps of 5 x 64 images


def smoke() -> bool:
    """The smoke switch (``GANS_SMOKE``), read by the study's entry points and passed down from there."""
    return os.environ.get("GANS_SMOKE", "") not in ("", "0")


@dataclass(frozen=True)
class Paths:
    run_dir: Path       # training run folder (checkpoints, per-epoch grids)
    results_dir: Path   # published records, read by the comparison notebook
    images_dir: Path    # result images referenced by README
    committed_results: Path  # results/ of the repository (read-only use: the other framework's run)


def setup(framework: str, variant: str, smoke_run: bool | None = None, **overrides) -> tuple[GANConfig, Paths]:
    """The config of ``variant`` (smoke-sized for a smoke run; default: GANS_SMOKE=1) and the artifact folders."""
    root = repo_root()
    if smoke() if smoke_run is None else smoke_run:
        overrides = overrides | SMOKE_OVERRIDES
        tmp = Path(tempfile.mkdtemp(prefix="gans-smoke-"))
        paths = Paths(tmp / "run", tmp / "results", tmp / "images", root / "results")
    else:
        paths = Paths(root / "runs" / framework / variant, root / "results", root / "images", root / "results")
    paths.images_dir.mkdir(parents=True, exist_ok=True)
    return make_config(variant, **overrides), paths


def show_code(*objects):
    """The source of functions or classes, highlighted, each headed by its file: read from the package when the cell
    runs (``inspect.getsource``), so what the reader sees is the code that trains, never a copy."""
    from IPython.display import Markdown

    root = repo_root()
    parts = []
    for obj in objects:
        path = Path(inspect.getsourcefile(obj)).resolve()
        where = path.relative_to(root) if path.is_relative_to(root) else path.name
        parts.append(f"# {where}\n{inspect.getsource(obj)}")
    source = "\n\n".join(parts)
    # a fenced block, highlighted by Jupyter's own Markdown renderer (IPython's Code would embed pygments' whole
    # stylesheet in every output); the fence outgrows any run of backticks in the source
    fence = "`" * max(3, 1 + max((len(m) for m in re.findall("`+", source)), default=0))
    return Markdown(f"{fence}python\n{source}\n{fence}")


def objective_of(gan, cfg: GANConfig) -> list:
    """The functions of a twin (``gans_pt`` or ``gans_tf``) that make ``cfg``'s objective: D loss, G loss, and for
    the Wasserstein loss the gradient penalty."""
    d_loss, g_loss = gan.LOSSES[cfg.loss]
    return [d_loss, g_loss] + ([gan.gradient_penalty] if cfg.loss == "wasserstein" else [])


def architecture_of(cfg: GANConfig) -> list:
    """The layer tables both twins build ``cfg``'s generator and discriminator from."""
    if cfg.arch == "mlp":
        return [architectures.mlp_generator, architectures.mlp_discriminator]
    return [architectures.dcgan_generator, architectures.dcgan_discriminator]


def notebook_path(framework: str, variant: str) -> str:
    return f"notebooks/{framework}/{'vanilla_gan' if variant == 'vanilla' else variant}.ipynb"


def execute(path: str | Path) -> float:
    """Execute a notebook in place in a fresh kernel, keeping outputs and counts; return the seconds it took."""
    import time

    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    t0 = time.perf_counter()
    NotebookClient(nb, timeout=None, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:  # drop timestamps, which only make diffs noisy
        cell.metadata.pop("execution", None)
    nbformat.write(drop_startup_logs(scrub_paths(nb)), path)
    return time.perf_counter() - t0


# TensorFlow 2.21's C++ start-up lines, written to the kernel's stderr on import whatever TF_CPP_MIN_LOG_LEVEL says
# (ipykernel forwards that file descriptor): information, not warnings, and the same in every TensorFlow notebook.
STARTUP_LOGS = ("WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
                "oneDNN custom operations are on.")


def drop_startup_logs(nb):
    """Remove the ``STARTUP_LOGS`` lines from stderr outputs (an output left empty goes); every other line stays."""
    for cell in nb.cells:
        kept = []
        for out in cell.get("outputs", []):
            if out.get("name") == "stderr":
                out["text"] = "".join(line for line in out["text"].splitlines(keepends=True)
                                      if not any(log in line for log in STARTUP_LOGS))
                if not out["text"]:
                    continue
            kept.append(out)
        if "outputs" in cell:
            cell["outputs"] = kept
    return nb


def scrub_paths(nb):
    """Replace this machine's folders in text outputs (warnings name files) by portable names."""
    import sys

    folders = {str(repo_root()) + "/": "", sys.prefix + "/": "<env>/"}
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "text" in out:
                for old, new in folders.items():
                    out["text"] = out["text"].replace(old, new)
    return nb
