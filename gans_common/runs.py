"""Run folders and records: what a training run leaves on disk, and the small copies committed under results/.

A run folder (default ``runs/<framework>/<variant>``) holds::

    config.json          the GANConfig
    losses.csv           step, d_loss, g_loss (one row per generator step)
    samples/epoch_NNN.png  fixed-noise grid after each epoch
    samples.npz          final fixed-noise samples (uint8, 100x28x28) and per-epoch snapshots
    checkpoint/          the latest checkpoint (framework format) + state.json, replaced atomically
    record.json          written when training ends: config, device, wall time, commit, ...
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from .config import GANConfig, make_config
from .notebook import repo_root

class RunDirError(RuntimeError):
    """A run folder that cannot be written or resumed."""


def default_run_dir(framework: str, variant: str) -> Path:
    return repo_root() / "runs" / framework / variant


def prepare_run_dir(path: str | Path, cfg: GANConfig, resume: bool) -> Path:
    """Create (or, when resuming, check) a run folder; raise :class:`RunDirError` with the fix when it cannot work."""
    path = Path(path)
    try:
        (path / "samples").mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as err:
        raise RunDirError(f"cannot write to run folder {path} ({err.strerror}): choose a writable folder "
                          f"(--run-dir)") from None
    if resume:
        read_checkpoint_state(path)  # raises, naming the fix, if the folder holds no checkpoint
        saved = make_config(**json.loads((path / "config.json").read_text()))
        if (saved.variant, saved.loss, saved.arch, saved.d_norm) != (cfg.variant, cfg.loss, cfg.arch, cfg.d_norm):
            raise RunDirError(f"{path} holds a checkpoint of variant {saved.variant!r} (loss {saved.loss}, arch "
                              f"{saved.arch}), not {cfg.variant!r}: resume it with --variant {saved.variant}, "
                              f"or start a new run folder")
    else:  # a fresh run: clear what an earlier run left here, so no stale grid or checkpoint is mixed in
        for old in (*path.glob("samples/epoch_*.png"), path / "record.json", path / "samples.npz"):
            old.unlink(missing_ok=True)
        shutil.rmtree(checkpoint_dir(path), ignore_errors=True)
        write_json(path / "config.json", cfg.to_dict())
    return path


def write_json(path: Path, obj) -> None:
    """Write JSON atomically (write, then rename) so an interrupted write never leaves half a file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(obj, indent=1, default=_json_default) + "\n")
    os.replace(tmp, path)


def _json_default(x):
    if isinstance(x, (np.floating, np.integer)):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(type(x))


def checkpoint_dir(run_dir: Path) -> Path:
    return Path(run_dir) / "checkpoint"


def read_checkpoint_state(run_dir: Path) -> dict:
    """The loop state saved with the latest checkpoint; :class:`RunDirError` if the folder holds none."""
    state_file = checkpoint_dir(run_dir) / "state.json"
    if not state_file.exists():
        raise RunDirError(f"{run_dir} holds no checkpoint (no {state_file.name} in {checkpoint_dir(run_dir)}): "
                          f"resume a folder written by an earlier run, or drop --resume to start afresh")
    return json.loads(state_file.read_text())


def save_checkpoint(run_dir: Path, write_model_state, state: dict) -> Path:
    """Write a new checkpoint beside the old one, then swap it in: at every moment one complete checkpoint exists.

    ``write_model_state(folder)`` writes the framework's part (nets, optimizers, RNG); ``state`` is the loop's part.
    """
    final = checkpoint_dir(run_dir)
    new, old = final.with_name("checkpoint.new"), final.with_name("checkpoint.old")
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir()
    write_model_state(new)
    np.savez(new / "history.npz", **{k: np.asarray(v) for k, v in state.pop("history").items()})
    write_json(new / "state.json", state)
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def load_history(run_dir: Path) -> dict[str, list]:
    with np.load(checkpoint_dir(run_dir) / "history.npz") as f:
        return {k: f[k].tolist() for k in f.files}


def git_commit() -> str:
    """The commit the code ran from, with '-dirty' if tracked code had uncommitted changes.

    ``$GANS_SOURCE_COMMIT`` names it instead for a copied working tree whose ``.git`` is not the one the files came
    from (set it only after checking that ``git write-tree`` of the copy equals that commit's tree)."""
    if os.environ.get("GANS_SOURCE_COMMIT"):
        return os.environ["GANS_SOURCE_COMMIT"]
    try:
        sha = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                             text=True, check=True).stdout.strip()
        # outputs the study itself rewrites (executed notebooks, images, records, README's table) do not make the
        # code dirty
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".",
                                ":!notebooks", ":!images", ":!results", ":!README.md"], cwd=Path(__file__).parent.parent,
                               capture_output=True, text=True).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def write_losses_csv(run_dir: Path, history: dict[str, list]) -> None:
    rows = zip(history["step"], history["d_loss"], history["g_loss"])
    text = "step,d_loss,g_loss\n" + "".join(f"{s},{d:.6g},{g:.6g}\n" for s, d, g in rows)
    tmp = Path(run_dir) / ".losses.csv.tmp"
    tmp.write_text(text)
    os.replace(tmp, Path(run_dir) / "losses.csv")


def result_name(framework: str, variant: str, seed: int = 0) -> str:
    return f"{framework}_{variant}_seed{seed}"


def publish(run_dir: str | Path, results_dir: str | Path, **extra) -> Path:
    """Copy a finished run's record (losses thinned to <= 500 points, plus ``extra`` fields such as metrics) and
    its samples (the final 100, and the first 10 after each epoch) into ``results_dir``."""
    run_dir, results_dir = Path(run_dir), Path(results_dir)
    record = json.loads((run_dir / "record.json").read_text()) | extra
    hist = load_history(run_dir)
    stride = max(1, len(hist["step"]) // 500)
    record["losses"] = {k: [round(float(x), 5) for x in np.asarray(v)[::stride]] for k, v in hist.items()}
    results_dir.mkdir(parents=True, exist_ok=True)
    name = result_name(record["framework"], record["config"]["variant"], record["config"]["seed"])
    write_json(results_dir / f"{name}.json", record)
    with np.load(run_dir / "samples.npz") as f:
        np.savez_compressed(results_dir / f"{name}.npz", samples=f["samples"], snapshots=f["snapshots"][:, :10])
    return results_dir / f"{name}.json"


def result_seeds(results_dir: str | Path, framework: str, variant: str) -> list[int]:
    """The seeds of ``framework``/``variant`` published in ``results_dir``, ascending."""
    prefix = result_name(framework, variant, 0)[:-1]
    return sorted(int(p.stem[len(prefix):]) for p in Path(results_dir).glob(f"{prefix}*.json")
                  if p.stem[len(prefix):].isdigit())


def load_result(results_dir: str | Path, framework: str, variant: str, seed: int = 0):
    """``(record, samples npz dict)`` of a published run, or ``None`` if it does not exist yet."""
    base = Path(results_dir) / result_name(framework, variant, seed)
    if not (base.with_suffix(".json").exists() and base.with_suffix(".npz").exists()):
        return None
    with np.load(base.with_suffix(".npz")) as f:
        samples = {k: f[k] for k in f.files}
    return json.loads(base.with_suffix(".json").read_text()), samples
