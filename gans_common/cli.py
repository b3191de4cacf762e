"""The command-line core both packages share: flags from the config, the resume rules, one-line errors.

``python -m gans_pt|gans_tf`` runs the study's command line (:mod:`gans_study.cli`), which adds the quality curve
and ``--publish`` to this core.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from .config import ARCHS, D_NORMS, LOSSES, PRESETS, TIERS, ConfigError, GANConfig, make_config
from .loop import DivergenceError
from .mnist import CorruptDataError, DataUnavailableError, fetch_mnist
from .runs import RunDirError, default_run_dir, read_checkpoint_state, saved_config

HELP = {"k_steps": "discriminator (critic) steps per generator step", "real_label": "0.9 = one-sided smoothing",
        "digits": "train on these digits only", "train_subset": "use only the first N images (0 = all)",
        "batch_size_g": "z per generator step (0 = batch size)",
        "width_d": "the discriminator's width (0 = --width)",
        "extra_convs": "dcgan: 3x3 stride-1 conv blocks added at 7x7 in G and D (0 = the recipe's)",
        "dataset": "mnist (default) or fashion-mnist"}
NOT_CONFIG = ("variant", "tier", "run_dir", "resume", "no_progress")
ERRORS = (ConfigError, RunDirError, DivergenceError, CorruptDataError, DataUnavailableError)


def parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Train a GAN on MNIST; preset values fill what is not given.")
    p.add_argument("--variant", help=f"preset: {', '.join(PRESETS)} (default vanilla; on --resume the saved run's)")
    p.add_argument("--tier", choices=TIERS, help="whose presets: cpu (default, the study's) or gpu (recipe-size "
                   "nets, 60 epochs: for a machine with a GPU)")
    p.add_argument("--loss", help=f"override the preset's loss: {', '.join(LOSSES)}")
    p.add_argument("--arch", help=f"override the preset's architecture: {', '.join(ARCHS)}")
    p.add_argument("--d-norm", help=f"dcgan discriminator normalisation: {', '.join(D_NORMS)}")
    for f in dataclasses.fields(GANConfig):
        if f.name in ("variant", "loss", "arch", "d_norm"):
            continue
        flag = "--" + f.name.replace("_", "-")
        if f.name == "digits":
            p.add_argument(flag, type=int, nargs="+", help=HELP[f.name])
        else:
            p.add_argument(flag, type=type(f.default), help=HELP.get(f.name))
    p.add_argument("--run-dir", help="output folder (default runs/<framework>/<variant>)")
    p.add_argument("--resume", metavar="RUN_DIR", help="continue the run saved in RUN_DIR with its saved config "
                   "(flags that contradict it are refused; --epochs may ask for more)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def config_from_args(args: argparse.Namespace, framework: str, extra=()) -> tuple[GANConfig, Path]:
    """The config and run folder the flags ask for. With ``--resume`` the run folder is the source of truth: its
    saved config, then the flags given (a contradiction is refused by the loop). ``extra``: flags that are not
    config fields."""
    overrides = {k: v for k, v in vars(args).items() if k not in (*NOT_CONFIG, *extra) and v is not None}
    if args.resume and args.run_dir and Path(args.run_dir).resolve() != Path(args.resume).resolve():
        raise RunDirError(f"--resume {args.resume} and --run-dir {args.run_dir} name two folders: give only "
                          f"--resume to continue a run, or only --run-dir to start one")
    if args.resume and args.tier:
        raise ConfigError(f"--tier {args.tier} picks the presets of a new run, and a resumed run keeps its saved "
                          f"config: drop --tier (or start a new run folder with it)")
    if args.resume:
        read_checkpoint_state(Path(args.resume))
        saved = saved_config(args.resume).to_dict()
        variant = saved.pop("variant")
        cfg = make_config(args.variant or variant, **(saved | overrides))
    else:
        cfg = make_config(args.variant or "vanilla", tier=args.tier or "cpu", **overrides)
    return cfg, Path(args.resume or args.run_dir or default_run_dir(framework, cfg.variant))


def run(args, framework: str, train, callbacks=None, extra=(), before=None, after=None) -> int:
    """Train as the flags ask with ``train(cfg, run_dir, resume=, progress=, callbacks=)``; ``before(cfg)`` checks
    what must hold before training, ``after(trainer, cfg, run_dir)`` runs when it is done. Every known failure is
    one line on stderr and exit code 2."""
    try:
        cfg, run_dir = config_from_args(args, framework, extra)
        if before:
            before(cfg)
        fetch_mnist(dataset=cfg.dataset)  # says where the data came from when it is not cached yet
        trainer, record = train(cfg, run_dir, resume=bool(args.resume), progress=not args.no_progress,
                                callbacks=callbacks)
        if after:
            after(trainer, cfg, run_dir)
    except ERRORS as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # e.g. a write after training
        print(f"error: cannot write {err.filename or 'a file'} ({err.strerror}): free space or fix permissions; "
              f"the run folder's checkpoint is kept", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    print(f"done in {record['wall_seconds']:.0f} s ({record['wall_seconds'] / cfg.epochs:.1f} s/epoch); "
          f"run folder {run_dir}")
    return 0
