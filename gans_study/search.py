"""The quality search: named candidate configs per variant, trained at one budget, scored on 10k samples.

    python -m gans_study.search [--stage screen|final|hour] [--variants ...] [--candidates ...]
                                 [--frameworks pytorch tensorflow] [--seeds 1] [--jobs 1] [--records results/search]
                                 [--dry-run]
    python -m gans_study.search --report      # the table of every recorded trial (results/search/README.md)

**Budget rule: the same number of real images seen by D** (``epochs`` passes over the 60k training images, the
same for every variant), so trials compare equal data, not equal luck with the machine's speed; each record also
keeps its training seconds. Each stage trains its candidates (``STAGES``) for its epochs (``EPOCHS``): ``screen``
short, ``final`` 20 (the study's budget before the hour stage), ``hour`` 10, what one seed of all eight fits in the
CPU tier's hour (the study's budget now); by default what the records hold, so ``make search`` reruns the search as
it ran.
Hyperparameters are **selected on FID against training images** (the last 10k, which the real-data floor does not
use) and reported against the 10k test images, so a table is not tuned on its own reference; each record has both.

Each trial runs in its own process (``--trial SPEC``: PyTorch and TensorFlow never share one) and writes one JSON
record; a trial already recorded is skipped, so an interrupted search continues when run again. Trials run
``--jobs`` at a time through the standard library's thread pool, each thread waiting on its subprocess: one at a
time on a 2-core CPU (a second job slows both), more on a machine with the cores.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from gans_common.config import PRESETS, TFGAN_EMA, TTUR_N1_EMA, recipe_config
from gans_common.frameworks import PACKAGES as FRAMEWORKS

from .stats import format_mean_std

SCREEN_EPOCHS = 6
FINAL_EPOCHS = 20
# One seed of all eight at the study's recorded seconds per epoch fits the CPU tier's hour at 10 epochs, not 20.
HOUR_EPOCHS = 10
EPOCHS = {"screen": SCREEN_EPOCHS, "final": FINAL_EPOCHS, "hour": HOUR_EPOCHS}
N_EVAL = 10000

# "ttur-ema", the presets of the MLP pair and DCGAN before "tfgan-ema" (config.TFGAN_EMA) won: G learns 4x faster
# than D (TF-GAN's MNIST rates scaled down), with the EMA of G.
TTUR_EMA = dict(lr_g=4e-4, lr_d=1e-4, ema_decay=0.999)

# The MLP pair wider at the winning rates, where the width-32 curve still falls steeply at 20 epochs: hidden 384
# and 768 units (width 48) or 512 and 1024 (width 64); and width 48 learning at twice both rates.
MLP_WIDER = {"tfgan-ema-wide48": TFGAN_EMA | dict(width=48),
             "tfgan-ema-wide64": TFGAN_EMA | dict(width=64),
             "tfgan-ema-wide48-lr2x": TFGAN_EMA | dict(width=48, lr_g=2e-3, lr_d=2e-4)}

# The MLP pair toward the hour (10 epochs), where the preset's (wide64) curve still falls steeply: D alone learning
# twice as fast (G at 2x collapsed wide48-lr2x's vanilla GAN), or half the batch: twice the steps of both nets.
MLP_HOUR = {"tfgan-ema-wide64-lrd2x": TFGAN_EMA | dict(width=64, lr_d=2e-4),
            "tfgan-ema-wide64-batch32": TFGAN_EMA | dict(width=64, batch_size=32)}

# Candidates per variant: name -> overrides of the variant's paper recipe (``config.RECIPES``, where the search
# started; ``epochs`` is the stage's). Within each family:
# capacity (width), learning rates, Adam's beta1, batch size and an EMA of G's weights.
CANDIDATES: dict[str, dict[str, dict]] = {
    "vanilla": {
        "preset": {},
        "ema": dict(ema_decay=0.999),
        "wide-ema": dict(width=64, ema_decay=0.999),
        "ttur-ema": TTUR_EMA,
        "batch128-ema": dict(batch_size=128, lr_g=4e-4, lr_d=4e-4, ema_decay=0.999),
        "tfgan-ema": TFGAN_EMA,
        **MLP_WIDER,
        **MLP_HOUR,
    },
    "lsgan": {
        "preset": {},
        "ema": dict(ema_decay=0.999),
        "wide-ema": dict(width=64, ema_decay=0.999),
        "ttur-ema": TTUR_EMA,
        "tfgan-ema": TFGAN_EMA,
        **MLP_WIDER,
        **MLP_HOUR,
    },
    "dcgan": {
        "preset": {},
        "ema": dict(ema_decay=0.999),
        "wide": dict(width=64),
        "wide-ema": dict(width=64, ema_decay=0.999),
        "ttur-ema": TTUR_EMA,
        # Half the batch: twice the G and D steps for the same images seen by D.
        "ttur-ema-batch32": TTUR_EMA | dict(batch_size=32),
        # Twice the batch: half the steps, each on a less noisy batch (batch norm's statistics too), and on a CPU
        # fewer, larger matrix products per epoch.
        "ttur-ema-batch128": TTUR_EMA | dict(batch_size=128),
        "tfgan-ema": TFGAN_EMA,
        # D alone wider (G unchanged): D has a tenth of G's weights; a step's FLOPs grow less than with both
        # nets widened (benchmarks/flops.py step_flops).
        "tfgan-ema-wide-d": TFGAN_EMA | dict(width_d=48),
        # Both nets at width 48: with D at 48 already, G's 7x7x96 projection costs only ~1/4 more FLOPs per step.
        "tfgan-ema-wide48": TFGAN_EMA | dict(width=48),
        # Depth instead of width at about the same FLOPs per step (benchmarks/flops.py: 0.93x of wide48's): width
        # 32 with one 3x3 convolution more at 7x7 in each net (config.extra_convs), as the field's MNIST nets have
        # three layers (the TensorFlow DCGAN tutorial's G, the official WGAN-GP critic), not two.
        "tfgan-ema-deep": TFGAN_EMA | dict(extra_convs=1),
        # Deeper still, narrower: two 3x3 convolutions at 7x7 in each net at width 24, 0.86x the FLOPs per step of
        # tfgan-ema-deep (benchmarks/flops.py): does more depth raise precision, as one layer did?
        "tfgan-ema-deep2-24": TFGAN_EMA | dict(width=24, extra_convs=2),
        # Its precision still rises past 20 epochs (make budget), as WGAN-GP's did before doubling its rates
        # raised it within the budget: both rates doubled, the 10:1 ratio kept.
        "tfgan-ema-deep2-24-lr2x": TFGAN_EMA | dict(width=24, extra_convs=2, lr_g=2e-3, lr_d=2e-4),
        # Doubling the rates did not raise its precision; a longer EMA horizon (~2000 G steps, two epochs at batch
        # 64, instead of ~1000) averages more of G's late oscillation: does it?
        "tfgan-ema9995-deep2-24": TFGAN_EMA | dict(width=24, extra_convs=2, ema_decay=0.9995),
        # Toward the hour (10 epochs): the preset at both rates doubled, as tfgan-ema-deep2-24-lr2x, whose curve led
        # the preset's at 10 epochs in the final stage, with the preset's longer EMA horizon.
        "tfgan-ema9995-deep2-24-lr2x": TFGAN_EMA | dict(width=24, extra_convs=2, ema_decay=0.9995, lr_g=2e-3,
                                                        lr_d=2e-4),
    },
    "wgan_gp": {
        "preset": {},
        "ema": dict(ema_decay=0.999),
        "lr2e-4-ema": dict(lr_g=2e-4, lr_d=2e-4, ema_decay=0.999),
        # n_critic = 5 leaves 187 G steps per epoch: an EMA horizon of ~100 steps instead of ~1000.
        "ema0.99": dict(ema_decay=0.99),
        "wide-ema": dict(width=64, ema_decay=0.999),
        # One critic step per G step with the critic learning faster (TTUR, Heusel et al. 2017, who train WGAN-GP
        # this way): five times the G steps for the same images seen by D.
        "ttur-n1-ema": TTUR_N1_EMA,
        # Half the batch at five critic steps: twice the G steps for the same images seen by D, at less cost per
        # epoch than one critic step (G's transposed convolutions cost most of a step).
        "batch32": dict(batch_size=32),
        # Depth, as DCGAN's tfgan-ema-deep: one 3x3 convolution more at 7x7 in G and in the critic; at width 24 so
        # that a step costs about what the preset's does (benchmarks/flops.py: 1.16x), not twice.
        "ttur-n1-ema-deep24": TTUR_N1_EMA | dict(width=24, extra_convs=1),
        # Deeper still, as DCGAN's tfgan-ema-deep2-24: two 3x3 convolutions at 7x7 in G and in the critic, at
        # width 20 so that a step costs about what the preset's does (benchmarks/flops.py: 1.05x).
        "ttur-n1-ema-deep2-20": TTUR_N1_EMA | dict(width=20, extra_convs=2),
        # Its curve still falls steeply at 20 epochs and its precision still rises: both rates doubled (the 3:1
        # ratio kept), to reach the same point in fewer images.
        "ttur-n1-ema-deep2-20-lr2x": TTUR_N1_EMA | dict(width=20, extra_convs=2, lr_g=2e-4, lr_d=6e-4),
        # Toward the hour: the penalty's double backward on every 4th critic step only, at 4x its weight (lazy
        # regularisation, Karras et al. 2020; benchmarks/flops.py counts the penalty's share of a step).
        "ttur-n1-ema-deep2-20-lr2x-lazy4": TTUR_N1_EMA | dict(width=20, extra_convs=2, lr_g=2e-4, lr_d=6e-4,
                                                              gp_every=4),
        # Toward the hour (10 epochs): doubling the rates once more, as doubling them did for 20 epochs.
        "ttur-n1-ema-deep2-20-lr4x": TTUR_N1_EMA | dict(width=20, extra_convs=2, lr_g=4e-4, lr_d=1.2e-3),
    },
}


# What each stage trains by default: the trials recorded in results/search/ (a test keeps the two equal), so
# ``make search`` reruns the search as it was run. The candidates not listed are defined but not run yet
# (``--candidates NAME`` runs one).
STAGES: dict[str, dict[str, list[str]]] = {
    "screen": {"vanilla": ["preset", "ema", "wide-ema", "ttur-ema", "batch128-ema"],
               "lsgan": ["preset", "ema", "wide-ema", "ttur-ema"],
               "dcgan": ["preset", "ema", "ttur-ema"],
               "wgan_gp": ["preset", "ema", "lr2e-4-ema"]},
    "final": {"vanilla": ["preset", "ttur-ema", "tfgan-ema", *MLP_WIDER],
              "lsgan": ["preset", "ttur-ema", "tfgan-ema", *MLP_WIDER],
              "dcgan": ["preset", "ttur-ema", "ttur-ema-batch32", "tfgan-ema", "tfgan-ema-wide-d", "tfgan-ema-wide48",
                        "tfgan-ema-deep", "tfgan-ema-deep2-24", "tfgan-ema-deep2-24-lr2x", "tfgan-ema9995-deep2-24"],
              "wgan_gp": ["preset", "ema0.99", "ttur-n1-ema", "ttur-n1-ema-deep24", "ttur-n1-ema-deep2-20",
                          "ttur-n1-ema-deep2-20-lr2x", "ttur-n1-ema-deep2-20-lr2x-lazy4"]},
    "hour": {"vanilla": ["tfgan-ema-wide64", "tfgan-ema-wide64-lrd2x", "tfgan-ema-wide64-batch32"],
             "lsgan": ["tfgan-ema-wide64", "tfgan-ema-wide64-lrd2x", "tfgan-ema-wide64-batch32"],
             "dcgan": ["tfgan-ema9995-deep2-24-lr2x"],
             "wgan_gp": ["ttur-n1-ema-deep2-20-lr4x"]},
}


# Finalists trained on more seeds than the stage's default (``--seeds``): {stage: {variant: {candidate: seeds}}}.
FINALIST_SEEDS: dict[str, dict[str, dict[str, int]]] = {"final": {"dcgan": {"tfgan-ema-wide-d": 3,
                                                                             "tfgan-ema-wide48": 3,
                                                                             "tfgan-ema-deep": 3,
                                                                             "tfgan-ema-deep2-24": 3,
                                                                             "tfgan-ema9995-deep2-24": 3},
                                                                   "wgan_gp": {"ttur-n1-ema-deep24": 2,
                                                                               "ttur-n1-ema-deep2-20": 2,
                                                                               "ttur-n1-ema-deep2-20-lr2x": 2}}}


# Stage candidates also trained in the other framework on the first seed (``--frameworks`` trains them there on every
# seed): a check that a finalist's gain holds in both twins. {stage: {variant: {candidate: frameworks}}}.
TWIN_TRIALS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    "final": {"dcgan": {"tfgan-ema-deep2-24-lr2x": ("tensorflow",), "tfgan-ema9995-deep2-24": ("tensorflow",)}}}


class SearchError(RuntimeError):
    """A search that cannot run as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Trial:
    variant: str
    candidate: str
    framework: str
    epochs: int
    seed: int

    @property
    def name(self) -> str:
        return f"{self.variant}_{self.candidate}_{self.framework}_e{self.epochs}_seed{self.seed}"

    @property
    def overrides(self) -> dict:
        return CANDIDATES[self.variant][self.candidate] | dict(epochs=self.epochs, seed=self.seed)

    def config(self):
        return recipe_config(self.variant, **self.overrides)


def trials(stage: str = "screen", variants=tuple(PRESETS), frameworks=("pytorch",), seeds: int = 1,
           candidates: dict | None = None) -> list[Trial]:
    """The trials of a stage: its candidates (``STAGES``, finalists on at least their ``FINALIST_SEEDS`` and
    ``TWIN_TRIALS``' frameworks), or ``candidates`` ({variant: [names]}) instead, on ``seeds`` seeds."""
    epochs = EPOCHS[stage]
    candidates = candidates or {}
    names = {v: candidates.get(v, STAGES[stage][v]) for v in variants}
    finalists = FINALIST_SEEDS.get(stage, {})
    n_seeds = {(v, c): seeds if v in candidates else max(seeds, finalists.get(v, {}).get(c, 1))
               for v in variants for c in names[v]}
    twins = TWIN_TRIALS.get(stage, {})
    twin_fws = {(v, c): set() if v in candidates else set(twins.get(v, {}).get(c, ()))
                for v in variants for c in names[v]}
    return [Trial(v, c, f, epochs, s) for s in range(max(n_seeds.values(), default=0)) for v in variants
            for f in FRAMEWORKS for c in names[v]
            if s < n_seeds[v, c] and (f in frameworks or (f in twin_fws[v, c] and s == 0))]


def record_path(records: Path, trial: Trial) -> Path:
    return Path(records) / f"{trial.name}.json"


def run_trial(spec: dict) -> dict:
    """Train one trial in this process and score 10k samples against both references (``--trial``)."""
    import importlib

    from gans_common import loop, runs

    from .callbacks import study_callbacks
    from .evaluate import evaluate

    trial = Trial(**spec["trial"])
    cfg = trial.config()
    pkg = importlib.import_module(FRAMEWORKS[trial.framework])  # one framework per process
    run_dir = Path(spec["scratch"]) / trial.name
    t0 = time.perf_counter()
    trainer, fit = pkg.train(cfg, run_dir, resume=(run_dir / "checkpoint").exists(), progress=False,
                             callbacks=study_callbacks())
    samples = loop.sample(trainer, cfg, N_EVAL)
    metrics = {ref: evaluate(samples, reference=ref, dataset=cfg.dataset) for ref in ("train", "test")}
    record = dict(name=trial.name, variant=trial.variant, candidate=trial.candidate, overrides=trial.overrides,
                  framework=trial.framework, seed=trial.seed, epochs=trial.epochs,
                  images_seen_by_d=trial.epochs * fit["images"], config=cfg.to_dict(), device=fit["device"],
                  commit=fit["commit"], train_seconds=fit["wall_seconds"], curve=fit["curve"],
                  metrics_train_ref=metrics["train"], metrics_test_ref=metrics["test"],
                  command=f"python -m gans_study.search --stage {spec['stage']} --variants {trial.variant} "
                          f"--candidates {trial.candidate} --frameworks {trial.framework} --seeds {trial.seed + 1}",
                  run_seconds=round(time.perf_counter() - t0, 1))
    runs.write_json(Path(spec["records"]) / f"{trial.name}.json", record)
    shutil.copy(run_dir / "samples" / f"epoch_{cfg.epochs:03d}.png", Path(spec["records"]) / f"{trial.name}.png")
    return record


def launch(trial: Trial, stage: str, records: Path, scratch: Path) -> tuple[Trial, int]:
    """One trial in its own subprocess; its output goes to ``scratch/<name>.log``."""
    scratch.mkdir(parents=True, exist_ok=True)
    spec = scratch / f"{trial.name}.json"
    spec.write_text(json.dumps(dict(trial=trial.__dict__, stage=stage, records=str(records), scratch=str(scratch))))
    env = os.environ | {"TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    with open(scratch / f"{trial.name}.log", "w") as log:
        rc = subprocess.run([sys.executable, "-m", "gans_study.search", "--trial", str(spec)], env=env,
                            stdout=log, stderr=subprocess.STDOUT).returncode
    return trial, rc


def run(todo: list[Trial], stage: str, records: Path, scratch: Path, jobs: int = 1) -> list[str]:
    """Run ``todo``, ``jobs`` at a time; returns the names of failed trials."""
    records.mkdir(parents=True, exist_ok=True)
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(launch, t, stage, records, scratch) for t in todo]
        for fut in concurrent.futures.as_completed(futures):
            trial, rc = fut.result()
            status = "done" if rc == 0 else f"FAILED (exit {rc}, log {scratch / trial.name}.log)"
            print(f"{time.strftime('%H:%M:%S')} {trial.name}: {status}", flush=True)
            if rc != 0:
                failed.append(trial.name)
    return failed


def load_records(records: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(Path(records).glob("*.json"))]


def report(records: Path) -> str:
    """A markdown table of every recorded trial, grouped by variant and budget, best train-reference FID first."""
    rows = load_records(records)
    head = ("| variant | candidate | framework | epochs | seeds | FID (train ref) | FID (test ref) | precision | "
            "recall | digits | min/max digit share | train s | curve FID at the preset's s |\n|" + "---|" * 13)
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        groups.setdefault((r["variant"], r["epochs"], r["candidate"], r["framework"]), []).append(r)
    preset_seconds = {k[:2] + k[3:]: sum(r["train_seconds"] for r in rs) / len(rs)
                      for k, rs in groups.items() if k[2] == "preset"}
    lines = [head]
    order = sorted(groups, key=lambda k: (list(PRESETS).index(k[0]), k[1], _mean(groups[k], "train", "fid")))
    for key in order:
        rs = groups[key]
        shares = [h / sum(m["histogram"]) for r in rs for m in [r["metrics_test_ref"]] for h in m["histogram"]]
        lines.append(f"| {key[0]} | {key[2]} | {key[3]} | {key[1]} | {len(rs)} | {_fmt(rs, 'train', 'fid')} | "
                     f"{_fmt(rs, 'test', 'fid')} | {_fmt(rs, 'test', 'precision', 3)} | "
                     f"{_fmt(rs, 'test', 'recall', 3)} | {min(r['metrics_test_ref']['digits_covered'] for r in rs)} | "
                     f"{min(shares):.1%} / {max(shares):.1%} | {sum(r['train_seconds'] for r in rs) / len(rs):.0f} | "
                     f"{_at_seconds(rs, preset_seconds.get(key[:2] + key[3:]))} |")
    devices = sorted({r["device"] for r in rows})
    commits = sorted({r["commit"] for r in rows})
    found = winners(groups)
    if found:
        lines += ["", "What won, per variant and budget (selected on the training reference, reported on the test "
                      "images):", "", *found]
    return "\n".join(lines) + (f"\n\nDevices: {', '.join(devices)}. Commits: {', '.join(commits)}. "
                               f"{N_EVAL} samples per trial; mean ± std over seeds where there are several. "
                               f"train s: training wall time as recorded, slower where a trial shared the CPU "
                               f"with other work: the budget rule is images seen by D, not seconds. The last column "
                               f"reads each trial's quality curve (5k samples, test reference) at the mean training "
                               f"seconds of its variant's preset trials of the same length: quality at equal CPU "
                               f"time, as far as the recorded seconds are comparable.")


def winners(groups: dict[tuple, list[dict]]) -> list[str]:
    """One line per (variant, epochs, framework) with two or more candidates: the best by mean train-reference FID
    and how far it is from the preset (or from the runner-up where the preset won), with the seed spread."""
    out = []
    by_budget: dict[tuple, dict[str, list[dict]]] = {}
    for (variant, epochs, candidate, framework), rs in groups.items():
        by_budget.setdefault((variant, epochs, framework), {})[candidate] = rs
    for (variant, epochs, framework), cands in sorted(by_budget.items(),
                                                      key=lambda kv: (list(PRESETS).index(kv[0][0]), kv[0][1])):
        if len(cands) < 2:
            continue
        ranked = sorted(cands, key=lambda c: _mean(cands[c], "train", "fid"))
        best = ranked[0]
        other = "preset" if best != "preset" and "preset" in cands else ranked[1]
        ratio = _mean(cands[other], "test", "fid") / _mean(cands[best], "test", "fid")
        out.append(f"- {variant}, {epochs} epochs, {framework}: **{best}** (FID {_fmt(cands[best], 'train', 'fid')} "
                   f"train ref, {_fmt(cands[best], 'test', 'fid')} test ref, {len(cands[best])} seed(s)) against "
                   f"{other} ({_fmt(cands[other], 'train', 'fid')} / {_fmt(cands[other], 'test', 'fid')}, "
                   f"{len(cands[other])} seed(s)): {ratio:.2f}x lower test FID; {len(cands)} candidates"
                   f"{_against_runner_up(cands, best, ranked[1], other)}")
    return out


def _against_runner_up(cands: dict[str, list[dict]], best: str, runner: str, other: str) -> str:
    """The lead over the runner-up on the seeds both ran (a winner on fewer seeds is not compared with another's
    mean alone), and whether it exceeds the runner-up's seed spread (max - min of its train-reference FIDs)."""
    seeds = [{r["seed"] for r in cands[c]} for c in (best, runner)]
    shared = sorted(seeds[0] & seeds[1])
    if runner == other and seeds[0] == seeds[1] and len(seeds[1]) < 2:
        return ""  # the line's comparison already is this one, and there is no spread to add
    if not shared:
        return f"; runner-up {runner} shares no seed with it"
    a, b = (_mean([r for r in cands[c] if r["seed"] in shared], "train", "fid") for c in (best, runner))
    fids = [r["metrics_train_ref"]["fid"] for r in cands[runner]]
    verdict = ("one seed of the runner-up: no spread to judge the lead by" if len(fids) < 2 else
               f"the lead {'exceeds' if b - a > max(fids) - min(fids) else 'is within'} the runner-up's seed "
               f"spread ({max(fids) - min(fids):.1f})")
    return (f"; runner-up {runner}, on the seed(s) both ran ({', '.join(map(str, shared))}): train-ref FID "
            f"{a:.1f} vs {b:.1f}, {verdict}")


def fid_at_seconds(curve: list[dict], seconds: float) -> float | None:
    """The quality curve's FID (5k samples, test reference) at ``seconds`` of training, linear between its points;
    None outside them (a cheaper run stopped before, so what it would have reached is unknown)."""
    t = [p["train_seconds"] for p in curve]
    if not curve or not t[0] <= seconds <= t[-1]:
        return None
    return float(np.interp(seconds, t, [p["fid"] for p in curve]))


def _at_seconds(rs, seconds) -> str:
    """Mean curve FID over seeds at the preset's training seconds: quality at equal CPU time."""
    values = [fid_at_seconds(r.get("curve", []), seconds) for r in rs] if seconds else [None]
    return "—" if None in values else format_mean_std(values, "{:.0f}")


def _mean(rs, ref, key):
    return sum(r[f"metrics_{ref}_ref"][key] for r in rs) / len(rs)


def _fmt(rs, ref, key, digits=1):
    return format_mean_std([r[f"metrics_{ref}_ref"][key] for r in rs], f"{{:.{digits}f}}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", choices=list(EPOCHS), default="screen")
    parser.add_argument("--variants", nargs="+", choices=list(PRESETS), default=list(PRESETS))
    parser.add_argument("--candidates", nargs="+",
                        help="these candidates of CANDIDATES instead of the stage's (default: STAGES, what was run)")
    parser.add_argument("--frameworks", nargs="+", choices=list(FRAMEWORKS), default=["pytorch"])
    parser.add_argument("--seeds", type=int, default=1, help="seeds 0..N-1 of every trial (default 1)")
    parser.add_argument("--jobs", type=int, default=1, help="trials at a time (default 1: right for 2 CPU cores)")
    parser.add_argument("--records", type=Path, default=Path("results/search"))
    parser.add_argument("--scratch", type=Path, default=Path("runs/search"))
    parser.add_argument("--dry-run", action="store_true", help="list the trials, run nothing")
    parser.add_argument("--report", action="store_true", help="write the table of recorded trials and print it")
    parser.add_argument("--trial", metavar="SPEC", help=argparse.SUPPRESS)  # internal: one trial, this process
    args = parser.parse_args(argv)
    if args.trial:
        run_trial(json.loads(Path(args.trial).read_text()))
        return 0
    if args.report:
        text = report(args.records)
        (args.records / "README.md").write_text("# Search records\n\nWritten by `python -m gans_study.search "
                                                "--report` from the JSON records in this folder.\n\n" + text + "\n")
        print(text)
        return 0
    if args.seeds < 1 or args.jobs < 1:
        print(f"error: --seeds and --jobs must be at least 1, got {args.seeds} and {args.jobs}", file=sys.stderr)
        return 2
    chosen = None
    if args.candidates:
        unknown = set(args.candidates) - {c for v in args.variants for c in CANDIDATES[v]}
        if unknown:
            print(f"error: unknown candidate(s) {', '.join(sorted(unknown))}: see gans_study.search.CANDIDATES",
                  file=sys.stderr)
            return 2
        chosen = {v: [c for c in CANDIDATES[v] if c in args.candidates] for v in args.variants}
    every = trials(args.stage, args.variants, args.frameworks, args.seeds, chosen)
    todo = [t for t in every if not record_path(args.records, t).exists()]
    print(f"{len(every)} trials, {len(every) - len(todo)} recorded in {args.records}, {len(todo)} to run")
    if args.dry_run:
        for t in every:
            print(f"  {'todo' if t in todo else 'done'}  {t.name}  {t.overrides}")
        return 0
    try:
        failed = run(todo, args.stage, args.records, args.scratch, args.jobs)
    except KeyboardInterrupt:
        print("\ninterrupted: finished trials are kept; run the same command again to continue", file=sys.stderr)
        return 130
    if failed:
        print(f"error: {len(failed)} trial(s) failed: {', '.join(failed)}; logs in {args.scratch}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
