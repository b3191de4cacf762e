"""The study's callbacks on the training loop: the quality curve (the yardstick during training)."""
from __future__ import annotations

import time

from gans_common.callbacks import Callback, Run, SampleGrid
from gans_common.loop import sample

from .evaluate import evaluate

CURVE_FRACTIONS = (0.1, 0.2, 0.35, 0.5, 0.75, 1.0)  # where in training the quality curve is measured
CURVE_SAMPLES = 5000  # samples per curve point (the final table uses FINAL_SAMPLES); fewer in smoke runs
FINAL_SAMPLES = 10000  # samples scored for a finished run's record
SMOKE_CURVE_SAMPLES, SMOKE_FINAL_SAMPLES = 500, 1000


def curve_epochs(epochs: int) -> list[int]:
    """The epochs after which the quality curve is measured: a few, denser early, always the last one."""
    return sorted({max(1, round(epochs * f)) for f in CURVE_FRACTIONS})


class QualityCurve(Callback):
    """The yardstick on ``n_samples`` fresh samples after the epochs of :func:`curve_epochs`; the points go to the
    record's ``curve`` (evaluation time is not training time)."""

    name = "quality_curve"
    KEEP = ("fid", "kid", "precision", "recall", "digits_covered", "n_samples")

    def __init__(self, n_samples: int = CURVE_SAMPLES):
        self.n_samples = n_samples
        self.curve: list[dict] = []

    def on_epoch_end(self, run: Run, epoch: int) -> None:
        if epoch not in curve_epochs(run.cfg.epochs):
            return
        t0 = time.perf_counter()
        m = evaluate(sample(run.trainer, run.cfg, self.n_samples), dataset=run.cfg.dataset)
        self.curve.append(dict(epoch=epoch, generator_steps=epoch * run.steps_per_epoch,
                               train_seconds=round(run.train_seconds, 2),
                               eval_seconds=round(time.perf_counter() - t0, 2), **{k: m[k] for k in self.KEEP}))
        run.write(f"epoch {epoch}: classifier-FID {m['fid']:.1f} ({m['n_samples']} samples)")

    def on_train_end(self, run: Run, record: dict) -> None:
        record["curve"] = self.curve

    def state_dict(self) -> dict:
        return {"curve": self.curve}

    def load_state_dict(self, state: dict) -> None:
        self.curve = list(state.get("curve", []))


def study_callbacks(smoke: bool = False) -> list[Callback]:
    """What every study run watches: the per-epoch grid and the quality curve (fewer samples in smoke runs)."""
    return [SampleGrid(), QualityCurve(SMOKE_CURVE_SAMPLES if smoke else CURVE_SAMPLES)]


def final_samples(smoke: bool = False) -> int:
    """Samples scored for a finished run's metrics."""
    return SMOKE_FINAL_SAMPLES if smoke else FINAL_SAMPLES
