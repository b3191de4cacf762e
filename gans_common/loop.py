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

What watches the run (sample grids, quality curves, ...) is a callback (:mod:`gans_common.callbacks`).
"""
from __future__ import annotations

import contextlib
import signal
import threading
import time
from pathlib import Path

import numpy as np
from . import mnist, runs
from .callbacks import Callback, Run, SampleGrid
from .config import ConfigError, GANConfig
from .progress import progress_bar
from .runs import RunDirError

SYNC_EVERY = 50  # generator steps between host syncs (loss logging, divergence check)
CHECKPOINT_SECONDS = 120  # also checkpoint mid-epoch this often, so a killed run loses at most this much work
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


def penalty_weights(cfg: GANConfig, i: int) -> tuple[float, ...]:
    """The gradient penalty's weight in each of the k critic steps of iteration ``i`` (counted within the epoch):
    ``gp_weight`` in every one, or, with ``gp_every`` n > 1, n x ``gp_weight`` in every n-th critic step and 0 (the
    penalty not computed) in the others: lazy regularisation (Karras et al. 2020, StyleGAN2 section 3.1), the same
    penalty on average for 1/n of its double backward. Zeros for a loss without the penalty."""
    if cfg.loss != "wasserstein":
        return (0.0,) * cfg.k_steps
    n = cfg.gp_every
    return tuple(cfg.gp_weight * n if (i * cfg.k_steps + j) % n == 0 else 0.0 for j in range(cfg.k_steps))


def standing_noise(cfg: GANConfig, n: int = 2000) -> np.ndarray:
    """The z (float32, (n, z_dim)) on which an EMA generator's batch-norm statistics are recomputed before sampling,
    the same in both frameworks (Brock et al. 2019 call such statistics "standing")."""
    return np.random.default_rng([cfg.seed, 4242]).standard_normal((n, cfg.z_dim)).astype(np.float32)


def sample_noise(cfg: GANConfig, n: int, draw=None) -> np.ndarray:
    """(n, z_dim) float32 fresh noise (seeded by the config, distinct from the fixed grid noise): N(0, 1), or
    ``draw(rng, shape)`` from the same generator (e.g. a truncated normal)."""
    rng = np.random.default_rng([cfg.seed, 777])
    return (rng.standard_normal((n, cfg.z_dim)) if draw is None else draw(rng, (n, cfg.z_dim))).astype(np.float32)


def sample(trainer, cfg: GANConfig, n: int, batch: int = 500, draw=None) -> np.ndarray:
    """``n`` samples in [-1, 1] from :func:`sample_noise`, ``batch`` at a time."""
    z = sample_noise(cfg, n, draw)
    return np.concatenate([trainer.generate(z[i:i + batch]) for i in range(0, n, batch)])


def epoch_order(cfg: GANConfig, epoch: int, n: int) -> np.ndarray:
    """The data order of one epoch: a function of (seed, epoch) only, so a resumed run sees the same batches."""
    return np.random.default_rng([cfg.seed, epoch]).permutation(n)


def train(trainer_cls, cfg: GANConfig, run_dir, resume: bool = False, progress: bool = True, images=None,
          callbacks=None):
    """Build ``trainer_cls(cfg, images)`` (the training set of ``cfg.dataset`` by default) and :func:`fit` it; returns
    ``(trainer, record)``. The twins' ``train`` functions are this with their ``Trainer``."""
    if images is None:
        images = select_images(*mnist.load_mnist("train", dataset=cfg.dataset), cfg)
    trainer = trainer_cls(cfg, images)
    return trainer, fit(trainer, cfg, run_dir, resume=resume, progress=progress, callbacks=callbacks)


def fit(trainer, cfg: GANConfig, run_dir: str | Path, resume: bool = False, progress: bool = True,
        callbacks: list[Callback] | None = None) -> dict:
    """Train ``trainer`` for ``cfg.epochs``, writing ``run_dir`` as it goes; return the run record.

    ``callbacks`` watch the run (default: :class:`~gans_common.callbacks.SampleGrid`, the per-epoch grid). One
    process at a time trains into a folder (its lock); a resume continues the saved run (only more epochs may be
    asked for). A failed write stops the run with :class:`RunDirError` naming the path; the last complete
    checkpoint is kept."""
    run_dir = runs.check_writable(run_dir, "run folder")
    callbacks = [SampleGrid()] if callbacks is None else list(callbacks)
    with runs.run_lock(run_dir):
        if resume:
            runs.recover_checkpoint(run_dir)
        try:
            return _Loop(trainer, cfg, runs.prepare_run_dir(run_dir, cfg, resume), callbacks).run(resume, progress)
        except OSError as err:
            raise RunDirError(f"cannot write {err.filename or run_dir} ({err.strerror}); the last complete "
                              f"checkpoint in {runs.checkpoint_dir(run_dir)} is kept: free space or fix permissions, "
                              f"then resume the run") from None


class _Loop:
    """One run of :func:`fit`: its state, what is checkpointed, and the epochs."""

    def __init__(self, trainer, cfg: GANConfig, run_dir: Path, callbacks: list[Callback]):
        self.trainer, self.cfg, self.run_dir, self.callbacks = trainer, cfg, run_dir, callbacks
        self.steps_per_epoch = trainer.n_images // (cfg.batch_size * cfg.k_steps)
        self.epoch, self.first_step, self.wall, self.epoch_seconds = 0, 0, 0.0, []
        self.history = {"step": [], "d_loss": [], "g_loss": []}
        self.epochs_changed = []

    def run(self, resume: bool, progress: bool) -> dict:
        cfg, trainer = self.cfg, self.trainer
        if resume:
            self._load()
        ctx = Run(trainer, cfg, self.run_dir, resume, self.steps_per_epoch, self.epoch, self.wall)
        self.ctx = ctx
        for cb in self.callbacks:
            cb.on_train_begin(ctx)
        print(f"training {cfg.variant} ({cfg.loss} loss, {cfg.arch} nets) with {trainer.framework} on "
              f"{trainer.device}: {trainer.n_images} images, {self.steps_per_epoch} G steps/epoch x {cfg.epochs} "
              f"epochs")
        self.bar = progress_bar(progress, total=cfg.epochs * self.steps_per_epoch, unit="step", mininterval=1.0,
                                initial=self.epoch * self.steps_per_epoch + self.first_step)
        ctx.write = self.bar.write
        with _deferred_interrupt() as interrupted:
            while self.epoch < cfg.epochs:
                self._epoch(interrupted)
                self._end_epoch()
        self.bar.close()
        return self._record()

    def _load(self):
        """Continue from the checkpoint: the trainer, the loop's state and the callbacks' states."""
        state = runs.read_checkpoint_state(self.run_dir)
        ckpt = runs.checkpoint_dir(self.run_dir)
        try:
            self.trainer.load(ckpt)
        except Exception as err:  # truncated file, wrong format: the framework's own error, in one line
            first = str(err).splitlines()[0] if str(err) else ""
            raise RunDirError(f"the checkpoint in {ckpt} is unreadable ({type(err).__name__}: {first[:120]}): "
                              f"start a new run folder") from None
        self.history = runs.load_history(self.run_dir)
        self.epoch, self.first_step = state["epoch"], state["step_in_epoch"]
        self.wall, self.epoch_seconds = state["wall_seconds"], state["epoch_seconds"]
        self.epochs_changed = state.get("epochs_changed", [])
        planned = state.get("planned_epochs", self.cfg.epochs)
        if planned != self.cfg.epochs:  # the one override a resume allows, recorded
            self.epochs_changed.append(dict(at_epoch=self.epoch, at_step=self.first_step, epochs_from=planned,
                                            epochs_to=self.cfg.epochs))
        saved = state.get("callbacks", {})
        if "curve" in state:  # checkpoints written before the curve became a callback
            saved.setdefault("quality_curve", {"curve": state["curve"]})
        for cb in self.callbacks:
            cb.load_state_dict(saved.get(cb.name, {}))
        print(f"resuming {self.run_dir} at epoch {self.epoch + 1}, step {self.first_step} of {self.steps_per_epoch}")

    def _epoch(self, interrupted):
        """The steps of one epoch, with a host sync every ``SYNC_EVERY`` steps and the mid-epoch checkpoints."""
        trainer, n = self.trainer, self.steps_per_epoch
        t0, wall_at_start = time.perf_counter(), self.wall
        trainer.start_epoch(epoch_order(self.cfg, self.epoch, trainer.n_images))
        pending, last_save = [], time.monotonic()
        for i in range(self.first_step, n):
            pending.append(trainer.train_step(i))
            if not (len(pending) == SYNC_EVERY or i == n - 1 or interrupted.is_set()):
                continue
            _flush(trainer, self.cfg, pending, self.history, self.epoch * n + i + 1, self.run_dir, self.bar)
            pending = []
            self.wall, t0 = self.wall + time.perf_counter() - t0, time.perf_counter()
            if interrupted.is_set():  # Ctrl-C: keep every finished step, then stop
                self.bar.close()
                path = self._checkpoint(self.epoch, i + 1)
                print(f"interrupted: checkpoint {path} kept; continue with resume=True (--resume {self.run_dir})")
                raise KeyboardInterrupt
            if time.monotonic() - last_save > CHECKPOINT_SECONDS and i < n - 1:
                self._checkpoint(self.epoch, i + 1)
                last_save = time.monotonic()
        self.wall += time.perf_counter() - t0
        self.epoch_seconds.append(round(self.wall - wall_at_start, 3))

    def _end_epoch(self):
        """Guard, callbacks, then the epoch's checkpoint (callbacks' outputs are never newer than the checkpoint
        without being repaired on resume)."""
        self.epoch, self.first_step = self.epoch + 1, 0
        if not self.trainer.weights_finite():
            raise DivergenceError(f"weights became non-finite in epoch {self.epoch}; last good checkpoint "
                                  f"{runs.checkpoint_dir(self.run_dir)} is kept: lower the learning rates")
        self.ctx.epoch, self.ctx.train_seconds = self.epoch, self.wall
        for cb in self.callbacks:
            cb.on_epoch_end(self.ctx, self.epoch)
        self._checkpoint(self.epoch, 0)

    def _checkpoint(self, epoch, step):
        n = self.steps_per_epoch
        state = dict(epoch=epoch, step_in_epoch=step, wall_seconds=self.wall, epoch_seconds=self.epoch_seconds,
                     global_step=epoch * n + step, history=self.history, planned_epochs=self.cfg.epochs,
                     epochs_changed=self.epochs_changed, callbacks={cb.name: cb.state_dict() for cb in self.callbacks})
        runs.write_losses_csv(self.run_dir, self.history)
        return runs.save_checkpoint(self.run_dir, self.trainer.save, state)

    def _record(self) -> dict:
        cfg, trainer, history = self.cfg, self.trainer, self.history
        record = dict(framework=trainer.framework, device=trainer.device, config=cfg.to_dict(), epochs=cfg.epochs,
                      generator_steps=cfg.epochs * self.steps_per_epoch, images=trainer.n_images,
                      wall_seconds=round(self.wall, 2), epoch_seconds=self.epoch_seconds,
                      final_d_loss=float(np.mean(history["d_loss"][-100:])),
                      final_g_loss=float(np.mean(history["g_loss"][-100:])), commit=runs.git_commit())
        if self.epochs_changed:
            record["epochs_changed"] = self.epochs_changed
        for cb in self.callbacks:
            cb.on_train_end(self.ctx, record)
        runs.write_json(self.run_dir / "record.json", record)
        return record


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


def _kept(run_dir) -> str:
    ckpt = runs.checkpoint_dir(run_dir)
    return f"last good checkpoint {ckpt} is kept" if ckpt.exists() else "no checkpoint was written yet"


def _flush(trainer, cfg, pending, history, global_step, run_dir, bar):
    """One host sync for the pending steps: log them, stop on a diverged or collapsed run."""
    losses = trainer.to_numpy(pending)  # (n, 2)
    first = global_step - len(pending) + 1
    bad = np.flatnonzero(~(np.abs(losses) <= LOSS_LIMIT).all(axis=1))  # NaN fails <= too
    if len(bad):
        step = first + int(bad[0])
        d, g = losses[bad[0]]
        cause = "a loss became NaN or infinite" if not np.isfinite([d, g]).all() else f"|loss| > {LOSS_LIMIT:g}"
        raise DivergenceError(f"training diverged at generator step {step} ({cause}: d_loss={d:.4g}, "
                              f"g_loss={g:.4g}); {_kept(run_dir)}. Lower the learning rates, or use another loss")
    history["step"].extend(range(first, global_step + 1))
    history["d_loss"].extend(losses[:, 0].tolist())
    history["g_loss"].extend(losses[:, 1].tolist())
    recent = history["d_loss"][-COLLAPSE_STEPS:]
    if cfg.loss != "wasserstein" and len(recent) == COLLAPSE_STEPS and max(recent) < COLLAPSE_LOSS:
        raise DivergenceError(f"the discriminator collapsed: d_loss < {COLLAPSE_LOSS:g} for the {COLLAPSE_STEPS} "
                              f"generator steps up to step {global_step} (it wins every batch; G learns nothing); "
                              f"{_kept(run_dir)}. Lower lr_d, or use another loss")
    if bar is not None:
        bar.update(len(pending))
        bar.set_postfix(d=f"{losses[-1, 0]:.3f}", g=f"{losses[-1, 1]:.3f}", refresh=False)
