"""The training loop both frameworks share: epochs, data order, logging, checkpoints, divergence guard, records.

A framework supplies a *trainer* with these members (see ``gans_pt.train.Trainer``, ``gans_tf.train.Trainer``)::

    framework, device                    names, for records and messages
    n_images                             size of the training tensor held on the device
    start_epoch(perm)                    the shuffled order of this epoch (numpy int array)
    train_step(i) -> (d_loss, g_loss)    step i of the epoch: k D steps on batches i*k..i*k+k-1, then one G step;
                                         returns device scalars (no host sync)
    to_numpy(list_of_scalars)            one host sync for many steps
    generate(z) -> ndarray               samples in [-1, 1] from numpy noise, batch norm in inference mode
    weights_finite() -> bool
    save(folder) / load(folder)          nets, optimizers and RNG state
"""
from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import zipfile
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from . import evaluate, notebook, plots, runs
from .config import ConfigError, GANConfig
from .runs import RunDirError

SYNC_EVERY = 50  # generator steps between host syncs (loss logging, divergence check)
CHECKPOINT_SECONDS = 120  # also checkpoint mid-epoch this often, so a killed run loses at most this much work
CURVE_FRACTIONS = (0.1, 0.2, 0.35, 0.5, 0.75, 1.0)  # where in training the quality curve is measured
FINAL_SAMPLES = 10000  # samples scored for a finished run's record
CURVE_SAMPLES = 5000  # samples per curve point (the final table uses 10k); 500 in smoke runs
LOSS_LIMIT = 1e6     # |loss| above this is a runaway, not training: stop (NaN and infinity too)
COLLAPSE_LOSS = 1e-6  # a discriminator loss below this ...
COLLAPSE_STEPS = 200  # ... for this many generator steps in a row: D has won, G gets no signal: stop


class DivergenceError(RuntimeError):
    """A loss or weight became NaN, infinite or runaway, or the discriminator collapsed; the last good checkpoint is
    kept."""


def select_images(images: np.ndarray, labels: np.ndarray, cfg: GANConfig) -> np.ndarray:
    """The training images of ``cfg``: the digit subset, then the first ``train_subset``; errors say the fix."""
    if cfg.digits:
        images = images[np.isin(labels, cfg.digits)]
    if cfg.train_subset > len(images):
        raise ConfigError(f"train_subset={cfg.train_subset} is more than the {len(images)} training images"
                          f"{f' of digits {list(cfg.digits)}' if cfg.digits else ''}: use at most {len(images)}, "
                          f"or 0 for all")
    if cfg.train_subset:
        images = images[:cfg.train_subset]
    if len(images) == 0:
        raise ConfigError(f"no training images left for digits={list(cfg.digits)} and "
                          f"train_subset={cfg.train_subset}: choose digits in 0..9 and a positive subset")
    need = cfg.batch_size * cfg.k_steps
    if len(images) < need:
        raise ConfigError(f"batch_size {cfg.batch_size} x k_steps {cfg.k_steps} = {need} images per step, but the "
                          f"training set has only {len(images)}: lower batch_size or k_steps, or use more data")
    return images


def fixed_noise(cfg: GANConfig, n: int = 100) -> np.ndarray:
    """The same fixed z (float32, (n, z_dim)) for both frameworks, so their sample grids are comparable."""
    return np.random.default_rng([cfg.seed, 12345]).standard_normal((n, cfg.z_dim)).astype(np.float32)


def standing_noise(cfg: GANConfig, n: int = 2000) -> np.ndarray:
    """The z (float32, (n, z_dim)) on which an EMA generator's batch-norm statistics are recomputed before sampling,
    the same in both frameworks (Brock et al. 2019 call such statistics "standing")."""
    return np.random.default_rng([cfg.seed, 4242]).standard_normal((n, cfg.z_dim)).astype(np.float32)


def sample(trainer, cfg: GANConfig, n: int, batch: int = 500) -> np.ndarray:
    """``n`` samples in [-1, 1] from fresh noise (seeded by the config, distinct from the fixed grid noise)."""
    z = np.random.default_rng([cfg.seed, 777]).standard_normal((n, cfg.z_dim)).astype(np.float32)
    return np.concatenate([trainer.generate(z[i:i + batch]) for i in range(0, n, batch)])


def epoch_order(cfg: GANConfig, epoch: int, n: int) -> np.ndarray:
    """The data order of one epoch: a function of (seed, epoch) only, so a resumed run sees the same batches."""
    return np.random.default_rng([cfg.seed, epoch]).permutation(n)


def curve_epochs(epochs: int) -> list[int]:
    """The epochs after which the quality curve is measured: a few, denser early, always the last one."""
    return sorted({max(1, round(epochs * f)) for f in CURVE_FRACTIONS})


def curve_point(trainer, cfg: GANConfig, epoch: int, generator_steps: int, train_seconds: float) -> dict:
    """Metrics of ``CURVE_SAMPLES`` samples at this point of training (evaluation time is not training time)."""
    t0 = time.perf_counter()
    m = evaluate.evaluate(sample(trainer, cfg, 500 if notebook.smoke() else CURVE_SAMPLES))
    keep = ("fid", "kid", "precision", "recall", "digits_covered", "n_samples")
    return dict(epoch=epoch, generator_steps=generator_steps, train_seconds=round(train_seconds, 2),
                eval_seconds=round(time.perf_counter() - t0, 2), **{k: m[k] for k in keep})


def fit(trainer, cfg: GANConfig, run_dir: str | Path, resume: bool = False, progress: bool = True) -> dict:
    """Train ``trainer`` for ``cfg.epochs``, writing ``run_dir`` as it goes; return the run record.

    One process at a time trains into a folder (its lock); a resume continues the saved run (only more epochs may
    be asked for). A failed write stops the run with :class:`RunDirError` naming the path; the last complete
    checkpoint is kept."""
    run_dir = runs.check_writable(run_dir, "run folder")
    with runs.run_lock(run_dir):
        if resume:
            runs.recover_checkpoint(run_dir)
        try:
            return _fit(trainer, cfg, runs.prepare_run_dir(run_dir, cfg, resume), resume, progress)
        except OSError as err:
            where = err.filename or run_dir
            raise RunDirError(f"cannot write {where} ({err.strerror}); the last complete checkpoint in "
                              f"{runs.checkpoint_dir(run_dir)} is kept: free space or fix permissions, then resume "
                              f"the run") from None


def _resume_state(trainer, cfg: GANConfig, run_dir: Path) -> dict:
    """The loop state of the checkpoint, with the trainer loaded from it and the snapshots of its epochs only
    (a crash after an epoch's samples but before its checkpoint must not leave that epoch twice)."""
    state = runs.read_checkpoint_state(run_dir)
    ckpt = runs.checkpoint_dir(run_dir)
    try:
        trainer.load(ckpt)
    except Exception as err:  # truncated file, wrong format: the framework's own error, in one line
        first = str(err).splitlines()[0] if str(err) else ""
        raise RunDirError(f"the checkpoint in {ckpt} is unreadable ({type(err).__name__}: {first[:120]}): start "
                          f"a new run folder") from None
    state["history"] = runs.load_history(run_dir)
    snapshots = []
    if state["epoch"]:
        try:
            with np.load(run_dir / "samples.npz") as f:
                snapshots = list(f["snapshots"][:state["epoch"]])
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
            raise RunDirError(f"{run_dir / 'samples.npz'} is missing or corrupt ({type(err).__name__}): start a "
                              f"new run folder") from None
    for png in (run_dir / "samples").glob("epoch_*.png"):
        if int(png.stem.split("_")[1]) > state["epoch"]:
            png.unlink()
    state["snapshots"] = snapshots
    planned = state.get("planned_epochs", cfg.epochs)
    state.setdefault("epochs_changed", [])
    if planned != cfg.epochs:  # the one recorded override a resume allows
        state["epochs_changed"].append(dict(at_epoch=state["epoch"], at_step=state["step_in_epoch"],
                                            epochs_from=planned, epochs_to=cfg.epochs))
    return state


def _fit(trainer, cfg: GANConfig, run_dir: Path, resume: bool, progress: bool) -> dict:
    steps_per_epoch = trainer.n_images // (cfg.batch_size * cfg.k_steps)
    z_fixed = fixed_noise(cfg)
    s = dict(epoch=0, step_in_epoch=0, wall_seconds=0.0, epoch_seconds=[], curve=[], epochs_changed=[],
             snapshots=[], history={"step": [], "d_loss": [], "g_loss": []})
    if resume:
        s |= _resume_state(trainer, cfg, run_dir)
        print(f"resuming {run_dir} at epoch {s['epoch'] + 1}, step {s['step_in_epoch']} of {steps_per_epoch}")
    epoch, first_step, wall, epoch_seconds = s["epoch"], s["step_in_epoch"], s["wall_seconds"], s["epoch_seconds"]
    history, curve, snapshots = s["history"], s["curve"], s["snapshots"]
    print(f"training {cfg.variant} ({cfg.loss} loss, {cfg.arch} nets) with {trainer.framework} on "
          f"{trainer.device}: {trainer.n_images} images, {steps_per_epoch} G steps/epoch x {cfg.epochs} epochs")

    def checkpoint(epoch_, step_):
        state = dict(epoch=epoch_, step_in_epoch=step_, wall_seconds=wall, epoch_seconds=epoch_seconds,
                     global_step=epoch_ * steps_per_epoch + step_, history=history, curve=curve,
                     planned_epochs=cfg.epochs, epochs_changed=s["epochs_changed"])
        runs.write_losses_csv(run_dir, history)
        return runs.save_checkpoint(run_dir, trainer.save, state)

    bar = tqdm(total=cfg.epochs * steps_per_epoch, initial=epoch * steps_per_epoch + first_step,
               disable=not progress, unit="step", mininterval=1.0)
    i, pending, last_save = first_step, [], time.monotonic()
    with _deferred_interrupt() as interrupted:
        while epoch < cfg.epochs:
            t0, wall_at_epoch_start = time.perf_counter(), wall
            trainer.start_epoch(epoch_order(cfg, epoch, trainer.n_images))
            for i in range(first_step, steps_per_epoch):
                pending.append(trainer.train_step(i))
                if len(pending) == SYNC_EVERY or i == steps_per_epoch - 1 or interrupted.is_set():
                    _flush(trainer, cfg, pending, history, epoch * steps_per_epoch + i + 1, run_dir, bar)
                    pending = []
                    wall, t0 = wall + time.perf_counter() - t0, time.perf_counter()
                    if interrupted.is_set():  # Ctrl-C: keep every finished step, then stop
                        bar.close()
                        path = checkpoint(epoch, i + 1)
                        print(f"interrupted: checkpoint {path} kept; continue with resume=True (--resume {run_dir})")
                        raise KeyboardInterrupt
                    if time.monotonic() - last_save > CHECKPOINT_SECONDS and i < steps_per_epoch - 1:
                        checkpoint(epoch, i + 1)
                        last_save = time.monotonic()
            wall += time.perf_counter() - t0
            epoch_seconds.append(round(wall - wall_at_epoch_start, 3))
            epoch, first_step = epoch + 1, 0
            if not trainer.weights_finite():
                raise DivergenceError(f"weights became non-finite in epoch {epoch}; last good checkpoint "
                                      f"{runs.checkpoint_dir(run_dir)} is kept: lower the learning rates")
            snap = plots.to_uint8(trainer.generate(z_fixed))
            plots.save_png(plots.grid(snap), run_dir / "samples" / f"epoch_{epoch:03d}.png")
            snapshots.append(snap)
            _save_samples(run_dir, snap, snapshots)
            if epoch in curve_epochs(cfg.epochs):
                curve.append(curve_point(trainer, cfg, epoch, epoch * steps_per_epoch, wall))
                bar.write(f"epoch {epoch}: classifier-FID {curve[-1]['fid']:.1f} ({curve[-1]['n_samples']} samples)")
            checkpoint(epoch, 0)
            last_save = time.monotonic()
    bar.close()
    record = dict(framework=trainer.framework, device=trainer.device, config=cfg.to_dict(),
                  epochs=cfg.epochs, generator_steps=cfg.epochs * steps_per_epoch, images=trainer.n_images,
                  wall_seconds=round(wall, 2), epoch_seconds=epoch_seconds, curve=curve,
                  final_d_loss=float(np.mean(history["d_loss"][-100:])),
                  final_g_loss=float(np.mean(history["g_loss"][-100:])), commit=runs.git_commit())
    if s["epochs_changed"]:
        record["epochs_changed"] = s["epochs_changed"]
    runs.write_json(run_dir / "record.json", record)
    return record


def _save_samples(run_dir: Path, final: np.ndarray, snapshots: list) -> None:
    """samples.npz, atomically (a crash mid-write leaves the previous file)."""
    tmp = run_dir / ".samples.npz.tmp"
    with open(tmp, "wb") as fh:
        np.savez_compressed(fh, samples=final, snapshots=np.stack(snapshots))
    os.replace(tmp, run_dir / "samples.npz")


@contextlib.contextmanager
def _deferred_interrupt():
    """Turn Ctrl-C (SIGINT, also Jupyter's interrupt) into a flag checked between steps, so the checkpoint written
    on interrupt is taken at a step boundary, never halfway through an optimizer update."""
    flag = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield flag
        return

    def handler(signum, frame):
        flag.set()

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def _flush(trainer, cfg, pending, history, global_step, run_dir, bar):
    """One host sync for the pending steps: log them, stop on a diverged or collapsed run."""
    losses = trainer.to_numpy(pending)  # (n, 2)
    first = global_step - len(pending) + 1
    ckpt = runs.checkpoint_dir(run_dir)
    kept = f"last good checkpoint {ckpt} is kept" if ckpt.exists() else "no checkpoint was written yet"
    bad = np.flatnonzero(~(np.abs(losses) <= LOSS_LIMIT).all(axis=1))  # NaN fails <= too
    if len(bad):
        step = first + int(bad[0])
        d, g = losses[bad[0]]
        cause = "a loss became NaN or infinite" if not np.isfinite([d, g]).all() else f"|loss| > {LOSS_LIMIT:g}"
        raise DivergenceError(f"training diverged at generator step {step} ({cause}: d_loss={d:.4g}, "
                              f"g_loss={g:.4g}); {kept}. Lower the learning rates, or use another loss")
    history["step"].extend(range(first, global_step + 1))
    history["d_loss"].extend(losses[:, 0].tolist())
    history["g_loss"].extend(losses[:, 1].tolist())
    recent = history["d_loss"][-COLLAPSE_STEPS:]
    if cfg.loss != "wasserstein" and len(recent) == COLLAPSE_STEPS and max(recent) < COLLAPSE_LOSS:
        raise DivergenceError(f"the discriminator collapsed: d_loss < {COLLAPSE_LOSS:g} for the {COLLAPSE_STEPS} "
                              f"generator steps up to step {global_step} (it wins every batch; G learns nothing); "
                              f"{kept}. Lower lr_d, or use another loss")
    if bar is not None:
        bar.update(len(pending))
        bar.set_postfix(d=f"{losses[-1, 0]:.3f}", g=f"{losses[-1, 1]:.3f}", refresh=False)
