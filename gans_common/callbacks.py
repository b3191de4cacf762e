"""Callbacks: what watches a training run without being the loop (the hooks Keras and Lightning users know).

The loop (:func:`gans_common.loop.fit`) trains, checkpoints and records; each callback gets the :class:`Run` at

    on_train_begin(run)             after the trainer is built (and loaded, when resuming)
    on_epoch_end(run, epoch)        after epoch ``epoch`` (1-based) and before its checkpoint
    on_train_end(run, record)       before the record is written: add fields to it

and saves what it must carry over a resume through ``state_dict()`` / ``load_state_dict(state)`` (kept in the
checkpoint under its ``name``). Time spent in callbacks is not training time.
"""
from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from . import images
from .config import GANConfig
from .runs import RunDirError


@dataclass
class Run:
    """What callbacks may read: the trainer, its config and folder, and how far training is."""

    trainer: object
    cfg: GANConfig
    run_dir: Path
    resumed: bool
    steps_per_epoch: int
    epoch: int = 0                 # epochs finished
    train_seconds: float = 0.0     # training time so far (callbacks and checkpoints excluded)
    write: callable = print        # a line for the user, which does not break the progress bar


class Callback:
    """No-op hooks; subclasses override what they need."""

    name = "callback"

    def on_train_begin(self, run: Run) -> None:
        pass

    def on_epoch_end(self, run: Run, epoch: int) -> None:
        pass

    def on_train_end(self, run: Run, record: dict) -> None:
        pass

    def state_dict(self) -> dict:
        return {}

    def load_state_dict(self, state: dict) -> None:
        pass


def fixed_noise(cfg: GANConfig, n: int = 100) -> np.ndarray:
    """The same fixed z (float32, (n, z_dim)) for both frameworks, so their sample grids are comparable."""
    return np.random.default_rng([cfg.seed, 12345]).standard_normal((n, cfg.z_dim)).astype(np.float32)


class SampleGrid(Callback):
    """After every epoch: the fixed-noise samples as ``samples/epoch_NNN.png`` and in ``samples.npz`` (the final
    100 and one snapshot per epoch). On resume only the checkpoint's epochs are kept, so a crash between an
    epoch's samples and its checkpoint never leaves that epoch twice."""

    name = "sample_grid"

    def __init__(self, n: int = 100):
        self.n = n
        self.snapshots: list[np.ndarray] = []

    def on_train_begin(self, run: Run) -> None:
        self.z = fixed_noise(run.cfg, self.n)
        self.snapshots = []
        if run.resumed and run.epoch:
            path = run.run_dir / "samples.npz"
            try:
                with np.load(path) as f:
                    self.snapshots = list(f["snapshots"][:run.epoch])
            except (OSError, ValueError, KeyError, zipfile.BadZipFile) as err:
                raise RunDirError(f"{path} is missing or corrupt ({type(err).__name__}): start a new run "
                                  f"folder") from None
        for png in (run.run_dir / "samples").glob("epoch_*.png"):
            if int(png.stem.split("_")[1]) > run.epoch:
                png.unlink()

    def on_epoch_end(self, run: Run, epoch: int) -> None:
        snap = images.to_uint8(run.trainer.generate(self.z))
        images.save_png(images.grid(snap), run.run_dir / "samples" / f"epoch_{epoch:03d}.png")
        self.snapshots.append(snap)
        tmp = run.run_dir / ".samples.npz.tmp"  # atomic: a crash mid-write leaves the previous file
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, samples=snap, snapshots=np.stack(self.snapshots))
        os.replace(tmp, run.run_dir / "samples.npz")
