"""The stability study: a grid of factor values around a base variant, several seeds per point, short runs.

    python -m gans_study.sweep [--grid default|full] [--seeds 3] [--frameworks pytorch tensorflow]
                                [--records results/stability] [--smoke] [--dry-run]

Factors (each varied alone around its base; the folk tip each one tests is in ``FACTORS``):

==============  =======================================  ==============================
factor          values                                   base
==============  =======================================  ==============================
k_steps         1, 2, 5 D steps per G step               vanilla MLP preset (k=1)
loss            non-saturating, saturating G loss        vanilla MLP (non-saturating)
real_label      1.0, 0.9 (one-sided label smoothing)     vanilla MLP (1.0)
lr_ratio        D:G learning rate 1, 2, 4 (lr_g = 2e-4)  vanilla MLP (1)
batch_size      32, 64, 256                              vanilla MLP (64)
d_norm          batch norm in D, none                    DCGAN preset (batch)
==============  =======================================  ==============================

The base value of every MLP factor is the same config, so it runs once per seed (records ``base-mlp_*``) and is
shared by the five MLP factors; ``base-dcgan_*`` is the d_norm=batch point. PyTorch runs every point; TensorFlow
runs the two base points (``--grid full``: every point).

Each run is recorded like any run, one JSON per run in the records folder, named from (factor, value, framework,
seed): config, seed, device, wall time, the yardstick (:func:`gans_study.evaluate.evaluate` on ``n_eval``
samples) after each evaluated epoch, whether it diverged (:class:`gans_common.loop.DivergenceError`) and whether
it collapsed (fewer than ``COLLAPSE_DIGITS`` digits covered at the end). A point already recorded is skipped, so
an interrupted sweep continues where it stopped when run again. Each framework runs in its own subprocess
(``--worker``), one per framework for all its points: PyTorch and TensorFlow never share a process.

``--grid default`` (MLP runs of 30000 images x 3 epochs, DCGAN runs of 12000 images x 2 epochs, 2000 samples
scored after every epoch, 3 seeds, TensorFlow at the base points) is sized for 2 CPU cores; ``--grid full`` (60k
images, 20 MLP / 5 DCGAN epochs, 10k samples, 5 seeds, both frameworks everywhere) for a GPU. ``--dry-run`` prints
the cost of any grid, and of what is left to run, estimated by :func:`estimate_seconds` from the per-epoch costs
in ``SECONDS_PER_60K_IMAGES``.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from gans_common.config import GANConfig, config_from_dict, recipe_config
from gans_common.frameworks import FRAMEWORKS, PACKAGES
from gans_common.progress import progress_bar

COLLAPSE_DIGITS = 8  # a run that covers fewer digits than this at the end has collapsed
LR_G = 2e-4          # the lr_ratio factor keeps G's learning rate here and sets lr_d = ratio * LR_G


class SweepError(RuntimeError):
    """A sweep that cannot run as asked; the message says why and what to do."""


@dataclass(frozen=True)
class Factor:
    name: str            # a GANConfig field, or lr_ratio (lr_d / lr_g)
    label: str
    values: tuple
    base_value: object   # the value in the base config
    base: str            # "mlp" or "dcgan": which base config it varies
    folk_best: tuple     # the values the folk tip expects to train best
    folk_tip: str

    def overrides(self, value) -> dict:
        if self.name == "lr_ratio":
            return dict(lr_g=LR_G, lr_d=LR_G * value)
        return {self.name: value}


FACTORS = (
    Factor("k_steps", "D steps per G step", (1, 2, 5), 1, "mlp", (1,),
           "one D step per G step is enough (Goodfellow et al. 2014 used k = 1)"),
    Factor("loss", "G loss", ("nonsaturating", "saturating"), "nonsaturating", "mlp", ("nonsaturating",),
           "the non-saturating G loss learns, the saturating (minimax) one stalls early (Goodfellow et al. 2014)"),
    Factor("real_label", "D's target for real images", (1.0, 0.9), 1.0, "mlp", (0.9,),
           "one-sided label smoothing (0.9) stabilises training (Salimans et al. 2016)"),
    Factor("lr_ratio", "learning rate D:G", (1, 2, 4), 1, "mlp", (2, 4),
           "a discriminator that learns faster than the generator helps (TTUR, Heusel et al. 2017)"),
    Factor("batch_size", "batch size", (32, 64, 256), 64, "mlp", (256,),
           "larger batches help (Brock et al. 2019)"),
    Factor("d_norm", "batch norm in D", ("batch", "none"), "batch", "dcgan", ("batch",),
           "batch norm in the discriminator stabilises training (Radford et al. 2016)"),
)
FACTOR_BY_NAME = {f.name: f for f in FACTORS}


@dataclass(frozen=True)
class Grid:
    name: str
    mlp: dict            # overrides of the vanilla preset for the MLP base
    dcgan: dict          # overrides of the dcgan preset for the DCGAN base
    seeds: int
    n_eval: int          # samples scored at each evaluation
    eval_epochs: tuple   # evaluate after these epochs (and always after the last); () = after every epoch
    tf_all: bool         # TensorFlow at every point (else only at the base points)
    factors: tuple = FACTORS

    def base_config(self, base: str, seed: int) -> GANConfig:
        # around the papers' recipes (config.RECIPES: the presets the sweep was recorded with), not today's presets
        return recipe_config("vanilla" if base == "mlp" else "dcgan", **getattr(self, base), seed=seed)


GRIDS = {
    "default": Grid("default", mlp=dict(train_subset=30000, epochs=3), dcgan=dict(train_subset=12000, epochs=2),
                    seeds=3, n_eval=2000, eval_epochs=(), tf_all=False),
    "full": Grid("full", mlp=dict(train_subset=0, epochs=20), dcgan=dict(train_subset=0, epochs=5),
                 seeds=5, n_eval=10000, eval_epochs=(1, 2, 5, 10, 15), tf_all=True),
    "smoke": Grid("smoke", mlp=dict(train_subset=512, epochs=1), dcgan=dict(train_subset=512, epochs=1, width=8),
                  seeds=1, n_eval=500, eval_epochs=(), tf_all=False, factors=(FACTOR_BY_NAME["loss"],)),
}


@dataclass(frozen=True)
class Point:
    factor: str          # a factor name, or "base" for the base config of ``base`` (shared by its factors)
    value: object        # the factor's value (None for a base point)
    base: str
    framework: str
    seed: int
    config: GANConfig
    n_eval: int
    eval_epochs: tuple   # epochs after which the yardstick is taken

    @property
    def name(self) -> str:
        tag = f"base-{self.base}" if self.factor == "base" else f"{self.factor}-{self.value}"
        return f"{tag}_{self.framework}_seed{self.seed}"

    def to_dict(self) -> dict:
        return dict(factor=self.factor, value=self.value, base=self.base, framework=self.framework, seed=self.seed,
                    config=self.config.to_dict(), n_eval=self.n_eval, eval_epochs=list(self.eval_epochs))

    @classmethod
    def from_dict(cls, d: dict) -> "Point":
        return cls(d["factor"], d["value"], d["base"], d["framework"], d["seed"], config_from_dict(d["config"]),
                   d["n_eval"], tuple(d["eval_epochs"]))


def eval_schedule(grid: Grid, epochs: int) -> tuple:
    wanted = grid.eval_epochs or range(1, epochs + 1)
    return tuple(sorted({e for e in wanted if e < epochs} | {epochs}))


def expand(grid: Grid | str = "default", seeds: int | None = None, frameworks=FRAMEWORKS) -> list[Point]:
    """The grid's points, seed by seed (so an interrupted sweep has every point at the early seeds); a factor's
    base value maps to the shared base point, which appears once per framework and seed."""
    grid = GRIDS[grid] if isinstance(grid, str) else grid
    unknown = set(frameworks) - set(FRAMEWORKS)
    if unknown:
        raise SweepError(f"unknown framework(s) {', '.join(sorted(unknown))}: choose from {', '.join(FRAMEWORKS)}")
    points = []
    for seed in range(grid.seeds if seeds is None else seeds):
        for framework in (f for f in FRAMEWORKS if f in frameworks):
            for base in dict.fromkeys(f.base for f in grid.factors):
                cfg = grid.base_config(base, seed)
                points.append(Point("base", None, base, framework, seed, cfg, grid.n_eval,
                                    eval_schedule(grid, cfg.epochs)))
            if framework != "pytorch" and not grid.tf_all:
                continue
            for factor in grid.factors:
                for value in factor.values:
                    if value == factor.base_value:
                        continue
                    cfg = grid.base_config(factor.base, seed).replace(**factor.overrides(value))
                    points.append(Point(factor.name, value, factor.base, framework, seed, cfg, grid.n_eval,
                                        eval_schedule(grid, cfg.epochs)))
    return points


def record_path(records: Path, point: Point) -> Path:
    return Path(records) / f"{point.name}.json"


def pending(points: list[Point], records: Path) -> list[Point]:
    """The points not yet recorded; a record of the same name but another config is an error (another grid)."""
    todo = []
    for p in points:
        path = record_path(records, p)
        if not path.exists():
            todo.append(p)
            continue
        saved = config_from_dict(json.loads(path.read_text())["config"])
        if saved != p.config:
            raise SweepError(f"{path} records another config than this grid's point {p.name} (another grid or "
                             f"budget): give this sweep its own --records folder, or delete that folder")
    return todo


# ------------------------------------------------------------------------------------------------ budget
SECONDS_PER_60K_IMAGES = {("mlp", "pytorch"): 11.0, ("mlp", "tensorflow"): 9.0,
                          ("dcgan", "pytorch"): 35.0, ("dcgan", "tensorflow"): 35.0}  # 2 CPU cores, batch 64
EVAL_SECONDS_PER_2000 = 3.0
PROCESS_START_SECONDS = 5.0
RUN_OVERHEAD_SECONDS = 2.0  # building nets, TF tracing, checkpoints and sample grids after each epoch


def point_seconds(p: Point) -> float:
    """Estimated seconds of one run on 2 CPU cores; small batches cost more per image (sqrt(64 / batch), a
    guess), k > 1 is counted at full cost (it only makes fewer, cheaper G steps)."""
    cfg = p.config
    images = (cfg.train_subset or 60000) * cfg.epochs
    train = SECONDS_PER_60K_IMAGES[(cfg.arch, p.framework)] * images / 60000 * max(1.0, (64 / cfg.batch_size) ** .5)
    return train + EVAL_SECONDS_PER_2000 * p.n_eval / 2000 * len(p.eval_epochs) + RUN_OVERHEAD_SECONDS


def estimate_seconds(points: list[Point]) -> float:
    return sum(map(point_seconds, points)) + PROCESS_START_SECONDS * len({p.framework for p in points})


def describe(grid: Grid | str = "default") -> str:
    """The grid in words: bases, factors, seeds, runs and the CPU budget estimate (the same text in every mode)."""
    grid = GRIDS[grid] if isinstance(grid, str) else grid
    points = expand(grid)
    lines = [f"grid {grid.name!r}: {grid.seeds} seeds, {grid.n_eval} samples scored after epochs "
             f"{', '.join(map(str, eval_schedule(grid, grid.base_config('mlp', 0).epochs)))} (MLP)"]
    for base in dict.fromkeys(f.base for f in grid.factors):
        cfg = grid.base_config(base, 0)
        lines.append(f"  base {base}: {cfg.variant} preset, {cfg.loss} loss, {cfg.train_subset or 60000} images x "
                     f"{cfg.epochs} epochs, batch {cfg.batch_size}, lr G {cfg.lr_g:g} / D {cfg.lr_d:g}")
    for f in grid.factors:
        lines.append(f"  {f.name:<11} {', '.join(map(str, f.values)):<28} base {f.base} ({f.base_value})")
    for fw in FRAMEWORKS:
        n = sum(p.framework == fw for p in points)
        lines.append(f"  {fw}: {n} runs")
    lines.append(f"estimated {estimate_seconds(points) / 60:.0f} min on 2 CPU cores")
    return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ one run
def run_point(point: Point, images, labels, make_trainer, scratch: Path) -> dict:
    """Train one point epoch by epoch (resuming its own run folder), score it after each evaluated epoch, and
    return its record. ``make_trainer(cfg, images)`` is the framework's ``Trainer``."""
    from gans_common import loop, runs

    from .evaluate import evaluate

    t_start = time.perf_counter()
    cfg = point.config
    run_dir = Path(scratch) / point.name
    trainer = make_trainer(cfg, loop.select_images(images, labels, cfg))
    checkpoints, fit_record, eval_seconds, divergence = [], None, 0.0, None
    try:
        for epoch in point.eval_epochs:
            fit_record = loop.fit(trainer, cfg.replace(epochs=epoch), run_dir, resume=fit_record is not None,
                                  progress=False)
            t0 = time.perf_counter()
            metrics = evaluate(loop.sample(trainer, cfg, point.n_eval), dataset=cfg.dataset)
            eval_seconds += time.perf_counter() - t0
            checkpoints.append(dict(epoch=epoch, generator_steps=fit_record["generator_steps"],
                                    **{k: v for k, v in metrics.items() if k not in ("n_samples", "n_ref")}))
    except loop.DivergenceError as err:
        divergence = str(err)
    final = checkpoints[-1] if divergence is None else None
    try:
        history = runs.load_history(run_dir)
        stride = max(1, len(history["step"]) // 200)
        losses = {k: [round(float(x), 5) for x in v[::stride]] for k, v in history.items()}
    except OSError:  # diverged before the first checkpoint
        losses = None
    record = dict(
        name=point.name, factor=point.factor, value=point.value, base=point.base, framework=trainer.framework,
        seed=cfg.seed, config=cfg.to_dict(), device=trainer.device, commit=runs.git_commit(), n_eval=point.n_eval,
        diverged=divergence is not None, divergence=divergence,
        collapsed=None if final is None else final["digits_covered"] < COLLAPSE_DIGITS,
        final=final, checkpoints=checkpoints,
        train_seconds=fit_record["wall_seconds"] if fit_record else None,
        epoch_seconds=fit_record["epoch_seconds"] if fit_record else None,
        eval_seconds=round(eval_seconds, 2), wall_seconds=round(time.perf_counter() - t_start, 2), losses=losses)
    shutil.rmtree(run_dir, ignore_errors=True)  # checkpoints are not kept: the record is the result
    return record


def worker(spec_file: str) -> int:
    """Run the points of one framework (``--worker``): one line per point on stdout (``DONE name`` or
    ``FAILED name``), everything else on stderr."""
    import importlib

    from gans_common import mnist, runs

    spec = json.loads(Path(spec_file).read_text())
    protocol, sys.stdout = sys.stdout, sys.stderr  # the loop's prints go to the log
    pkg = importlib.import_module(PACKAGES[spec["framework"]])
    images, labels = mnist.load_mnist("train")
    records = Path(spec["records"])
    records.mkdir(parents=True, exist_ok=True)
    for d in spec["points"]:
        point = Point.from_dict(d)
        print(f"--- {point.name}", flush=True)
        try:
            record = run_point(point, images, labels, pkg.Trainer, Path(spec["scratch"]))
        except KeyboardInterrupt:
            raise
        except Exception:  # one broken point must not end the sweep: log it, name it, go on
            traceback.print_exc()
            print(f"FAILED {point.name}", file=protocol, flush=True)
            continue
        runs.write_json(record_path(records, point), record)
        print(f"DONE {point.name}", file=protocol, flush=True)
    return 0


def launch_worker(framework: str, points: list[Point], records: Path, scratch: Path, on_line) -> list[str]:
    """Run ``points`` in one ``python -m gans_study.sweep --worker`` subprocess; ``on_line(status, name)`` after
    each point. Returns the names of failed points."""
    scratch.mkdir(parents=True, exist_ok=True)
    spec = scratch / f"{framework}-points.json"
    spec.write_text(json.dumps(dict(framework=framework, records=str(records), scratch=str(scratch),
                                    points=[p.to_dict() for p in points])))
    log = scratch / f"{framework}.log"
    env = os.environ | {"TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    failed = []
    with open(log, "w") as log_file:
        proc = subprocess.Popen([sys.executable, "-m", "gans_study.sweep", "--worker", str(spec)], env=env,
                                stdout=subprocess.PIPE, stderr=log_file, text=True)
        try:
            for line in proc.stdout:
                status, _, name = line.strip().partition(" ")
                if status in ("DONE", "FAILED"):
                    on_line(status, name)
                    if status == "FAILED":
                        failed.append(name)
        except KeyboardInterrupt:  # e.g. a notebook's interrupt, which reaches only this process: pass it on
            proc.send_signal(signal.SIGINT)
            proc.wait()
            raise
        rc = proc.wait()
    if rc != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-15:])
        raise SweepError(f"the {framework} worker stopped with exit status {rc}; the end of its log {log}:\n{tail}")
    return failed


def run(grid: Grid | str = "default", seeds: int | None = None, frameworks=FRAMEWORKS, records=None, scratch=None,
        progress: bool = True, launch=launch_worker) -> Path:
    """Run the points of ``grid`` not yet in ``records``, one subprocess per framework; returns ``records``."""
    grid = GRIDS[grid] if isinstance(grid, str) else grid
    records = Path(records or default_records(grid.name))
    scratch = Path(scratch or _repo_root() / "runs" / "stability" / grid.name)
    points = expand(grid, seeds, frameworks)
    todo = pending(points, records)
    print(f"{len(points)} runs in grid {grid.name!r}: {len(points) - len(todo)} recorded in {records}, "
          f"{len(todo)} to run (estimated {estimate_seconds(todo) / 60:.1f} min on 2 CPU cores)", flush=True)
    records.mkdir(parents=True, exist_ok=True)
    failed = []
    bar = progress_bar(progress and bool(todo), total=len(points), initial=len(points) - len(todo), unit="run")

    def on_line(status, name):
        bar.update(1)
        bar.set_postfix_str(("failed " if status == "FAILED" else "") + name, refresh=True)

    try:
        for framework in FRAMEWORKS:
            batch = [p for p in todo if p.framework == framework]
            if batch:
                failed += launch(framework, batch, records, scratch, on_line)
    finally:
        bar.close()
    if failed:
        raise SweepError(f"{len(failed)} run(s) failed ({', '.join(failed)}); tracebacks in {scratch}/*.log. "
                         f"Finished runs are kept: fix the cause and run the same command again")
    return records


def default_records(grid_name: str) -> Path:
    return _repo_root() / "results" / ("stability" if grid_name == "default" else f"stability_{grid_name}")


def ensure_records(records=None) -> Path:
    """The records the stability notebook reads. Committed records are read as they are in both modes; when there
    are none, GANS_SMOKE=1 runs the smoke grid (PyTorch) into a temporary folder, a full run runs the default sweep
    (only its missing points)."""
    from .notebook import smoke

    records = Path(records or default_records("default"))
    if smoke():
        if any(records.glob("*.json")):
            return records
        tmp = Path(tempfile.mkdtemp(prefix="gans-smoke-"))
        return run("smoke", frameworks=("pytorch",), records=tmp / "records", scratch=tmp / "runs")
    return run("default", records=records)


def _repo_root() -> Path:
    from gans_common.runs import repo_root
    return repo_root()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", choices=[g for g in GRIDS if g != "smoke"], default="default")
    parser.add_argument("--seeds", type=int, help="seeds per point (default: the grid's)")
    parser.add_argument("--frameworks", nargs="+", choices=FRAMEWORKS, default=list(FRAMEWORKS))
    parser.add_argument("--records", help="records folder (default: results/stability, results/stability_full)")
    parser.add_argument("--smoke", action="store_true", help="seconds-long check: 512 images, 1 epoch, 1 seed, the "
                        "loss factor only, records to a temporary folder unless --records is given")
    parser.add_argument("--dry-run", action="store_true", help="print the runs and the estimate, run nothing")
    parser.add_argument("--worker", metavar="SPEC", help=argparse.SUPPRESS)  # internal: one framework's points
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args.worker)
    grid = GRIDS["smoke" if args.smoke else args.grid]
    tmp = Path(tempfile.mkdtemp(prefix="gans-smoke-")) if args.smoke and not args.dry_run else None
    records = args.records or (tmp / "records" if tmp else default_records(grid.name))
    try:
        if args.dry_run:
            points = expand(grid, args.seeds, args.frameworks)
            todo = pending(points, Path(records))
            print(describe(grid))
            for p in points:
                print(f"  {'todo' if p in todo else 'done'}  {p.name:<40} {point_seconds(p):6.0f} s")
            print(f"{len(todo)} of {len(points)} runs to do: about {estimate_seconds(todo) / 60:.1f} min")
            return 0
        records = run(grid, args.seeds, args.frameworks, records, scratch=tmp / "runs" if tmp else None)
    except KeyboardInterrupt:
        print("\ninterrupted: finished runs are kept; run the same command again to continue", file=sys.stderr)
        return 130
    except SweepError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"records in {records}; their findings: python -m gans_study.stability {records}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
