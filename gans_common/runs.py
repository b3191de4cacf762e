"""Run folders and records: what a training run leaves on disk, and the small copies committed under results/.

A run folder (default ``runs/<framework>/<variant>``) holds::

    config.json          the GANConfig
    losses.csv           step, d_loss, g_loss (one row per generator step)
    samples/epoch_NNN.png  fixed-noise grid after each epoch
    samples.npz          final fixed-noise samples (uint8, 100x28x28) and per-epoch snapshots
    checkpoint/          the latest checkpoint (framework format) + state.json, replaced atomically
    record.json          written when training ends: config, device, wall time, commit, ...
    lock                 held (an OS file lock) by the one process training into the folder

The folder is the source of truth: a resume continues its saved config; only ``epochs`` may change on resume
(:data:`RESUMABLE`), and the change is recorded.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import subprocess
import time
import zipfile
from pathlib import Path

import numpy as np

from .config import GANConfig, config_from_dict

try:
    import fcntl
except ImportError:  # Windows: no advisory locks here; one writer per folder is then the user's job
    fcntl = None

RESUMABLE = ("epochs",)  # config fields a resume may change (more epochs); any other change needs a new run


class RunDirError(RuntimeError):
    """A run folder that cannot be written or resumed."""


def repo_root() -> Path:
    """The checkout this code runs from (where pyproject.toml is), found from the package or the working folder."""
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / "pyproject.toml").exists() and (folder / "gans_common").is_dir():
                return folder
    raise FileNotFoundError("cannot find the repository root (a folder with pyproject.toml and gans_common/)")


def default_run_dir(framework: str, variant: str) -> Path:
    return repo_root() / "runs" / framework / variant


def prepare_run_dir(path: str | Path, cfg: GANConfig, resume: bool) -> Path:
    """Create (or, when resuming, check) a run folder; raise :class:`RunDirError` with the fix when it cannot work."""
    path = Path(path)
    (path / "samples").mkdir(parents=True, exist_ok=True)  # writability: checked by the caller (fit)
    if resume:
        state = read_checkpoint_state(path)  # raises, naming the fix, if the folder holds no checkpoint
        saved = saved_config(path)
        check_resume(path, saved, cfg, state)
        if cfg != saved:
            write_json(path / "config.json", cfg.to_dict())
    else:  # a fresh run: clear what an earlier run left here, so no stale grid or checkpoint is mixed in
        for old in (*path.glob("samples/epoch_*.png"), path / "record.json", path / "samples.npz"):
            old.unlink(missing_ok=True)
        shutil.rmtree(checkpoint_dir(path), ignore_errors=True)
        write_json(path / "config.json", cfg.to_dict())
    return path


def saved_config(run_dir: str | Path) -> GANConfig:
    """The config a run folder was trained with; :class:`RunDirError` if it has none or it is unreadable."""
    path = Path(run_dir) / "config.json"
    try:
        return config_from_dict(json.loads(path.read_text()))
    except FileNotFoundError:
        raise RunDirError(f"{run_dir} is not a run folder (no config.json): resume a folder written by an earlier "
                          f"run, or drop --resume to start afresh") from None
    except (ValueError, TypeError) as err:
        raise RunDirError(f"{path} is unreadable ({err}): start a new run folder") from None


def check_resume(run_dir: Path, saved: GANConfig, cfg: GANConfig, state: dict) -> None:
    """Refuse a resume whose config contradicts the saved run, naming the values and the fix."""
    old, new = saved.to_dict(), cfg.to_dict()
    changed = [k for k in old if old[k] != new[k] and k not in RESUMABLE]
    if changed:
        what = ", ".join(f"{k}={old[k]!r} (asked: {new[k]!r})" for k in changed)
        raise RunDirError(f"{run_dir} was trained with {what}: a resume continues the saved run; to train with "
                          f"other values start a new run folder (only {', '.join(RESUMABLE)} can change on resume)")
    started = state["epoch"] + (1 if state["step_in_epoch"] else 0)
    if cfg.epochs < started:
        raise RunDirError(f"{run_dir} has already trained {state['epoch']} epochs"
                          f"{' and part of the next' if state['step_in_epoch'] else ''}: epochs={cfg.epochs} would "
                          f"undo them; resume with epochs >= {max(started, 1)}, or start a new run folder")


@contextlib.contextmanager
def run_lock(run_dir: str | Path):
    """Hold the folder's OS file lock while training into it: a second writer gets :class:`RunDirError` naming the
    holder. The lock dies with its process, so a killed run never blocks its own resume."""
    path = Path(run_dir) / "lock"
    try:
        fh = open(path, "a+")
    except OSError as err:
        raise RunDirError(f"cannot write to run folder {run_dir} ({err.strerror}): choose a writable folder "
                          f"(--run-dir)") from None
    with fh:
        if fcntl is not None:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read().strip() or "another process"
                raise RunDirError(f"{run_dir} is in use by {holder}: wait for it to finish (then --resume it), or "
                                  f"train into another run folder") from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"process {os.getpid()} on {socket.gethostname()} since {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
        fh.flush()
        try:
            yield
        finally:
            fh.truncate(0)


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


def recover_checkpoint(run_dir: Path) -> None:
    """Finish a checkpoint swap that a crash interrupted (see :func:`save_checkpoint`): with no ``checkpoint/``,
    the complete ``checkpoint.new`` (newest) or else ``checkpoint.old`` takes its place; a partial
    ``checkpoint.new`` beside a complete ``checkpoint/`` is removed."""
    final = checkpoint_dir(run_dir)
    new, old = final.with_name("checkpoint.new"), final.with_name("checkpoint.old")
    if not (final / "state.json").exists():
        for candidate in (new, old):
            if (candidate / "state.json").exists():  # state.json is written last: its presence means complete
                shutil.rmtree(final, ignore_errors=True)
                os.replace(candidate, final)
                break
    for leftover in (new, old):
        shutil.rmtree(leftover, ignore_errors=True)


def read_checkpoint_state(run_dir: Path) -> dict:
    """The loop state saved with the latest checkpoint; :class:`RunDirError` if the folder holds none."""
    state_file = checkpoint_dir(run_dir) / "state.json"
    if not state_file.exists():
        raise RunDirError(f"{run_dir} holds no checkpoint (no {state_file.name} in {checkpoint_dir(run_dir)}): "
                          f"resume a folder written by an earlier run, or drop --resume to start afresh")
    try:
        return json.loads(state_file.read_text())
    except ValueError:
        raise RunDirError(f"{state_file} is truncated or corrupt: the checkpoint cannot be resumed; start a new "
                          f"run folder") from None


def save_checkpoint(run_dir: Path, write_model_state, state: dict) -> Path:
    """Write a new checkpoint beside the old one, then swap it in: at every moment one complete checkpoint exists.

    ``write_model_state(folder)`` writes the framework's part (nets, optimizers, RNG); ``state`` is the loop's part.
    """
    final = checkpoint_dir(run_dir)
    new, old = final.with_name("checkpoint.new"), final.with_name("checkpoint.old")
    shutil.rmtree(new, ignore_errors=True)
    try:
        new.mkdir()
        write_model_state(new)
        np.savez(new / "history.npz", **{k: np.asarray(v) for k, v in state.pop("history").items()})
        write_json(new / "state.json", state)  # last: its presence marks the checkpoint complete
    except OSError as err:  # disk full, folder made read-only: keep the last complete checkpoint, name the cause
        shutil.rmtree(new, ignore_errors=True)
        kept = f"the last complete checkpoint {final} is kept" if final.exists() else "no checkpoint was kept"
        raise RunDirError(f"cannot write a checkpoint in {run_dir} ({err.strerror}); {kept}: free space or fix "
                          f"permissions, then resume the run") from None
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        os.replace(final, old)
    os.replace(new, final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def load_history(run_dir: Path) -> dict[str, list]:
    path = checkpoint_dir(run_dir) / "history.npz"
    try:
        with np.load(path) as f:
            return {k: f[k].tolist() for k in f.files}
    except FileNotFoundError:
        raise RunDirError(f"{path} is missing: the checkpoint is incomplete; start a new run folder") from None
    except (ValueError, OSError, EOFError, zipfile.BadZipFile) as err:
        raise RunDirError(f"{path} is truncated or corrupt ({type(err).__name__}): start a new run folder") from None


def check_writable(folder: str | Path, what: str) -> Path:
    """Create ``folder`` and prove it writable now, before hours of training; :class:`RunDirError` with the fix."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as err:
        raise RunDirError(f"cannot write to {what} {folder} ({err.strerror}): choose a writable folder") from None
    return folder


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
