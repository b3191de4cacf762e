"""The command line both packages share: ``python -m gans_pt|gans_tf --variant NAME [overrides]``."""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from .config import ARCHS, D_NORMS, LOSSES, PRESETS, ConfigError, GANConfig, make_config
from .evaluate import evaluate, format_metrics
from .loop import FINAL_SAMPLES, DivergenceError, sample
from .notebook import smoke
from .mnist import CorruptDataError, DataUnavailableError
from .runs import RunDirError, check_writable, default_run_dir, publish, read_checkpoint_state, saved_config

HELP = {"k_steps": "discriminator (critic) steps per generator step", "real_label": "0.9 = one-sided smoothing",
        "digits": "train on these digits only", "train_subset": "use only the first N images (0 = all)",
        "batch_size_g": "z per generator step (0 = batch size)"}


def parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog=prog, description="Train a GAN on MNIST; preset values fill what is not given.")
    p.add_argument("--variant", help=f"preset: {', '.join(PRESETS)} (default vanilla; on --resume the saved run's)")
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
    p.add_argument("--publish", metavar="RESULTS_DIR", help="evaluate the finished run (10k samples) and copy its record, metrics and samples here")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    return p


def main(prog: str, framework: str, train, argv=None) -> int:
    """Parse arguments, train with ``train(cfg, run_dir, resume=..., progress=...)``; one-line errors, exit 2."""
    args = parser(prog).parse_args(argv)
    overrides = {k: v for k, v in vars(args).items()
                 if k not in ("variant", "run_dir", "resume", "publish", "no_progress") and v is not None}
    try:
        if args.resume and args.run_dir and Path(args.run_dir).resolve() != Path(args.resume).resolve():
            raise RunDirError(f"--resume {args.resume} and --run-dir {args.run_dir} name two folders: give only "
                              f"--resume to continue a run, or only --run-dir to start one")
        if args.resume:  # the run folder is the source of truth: its config, then the flags (checked by the loop)
            read_checkpoint_state(Path(args.resume))
            saved = saved_config(args.resume).to_dict()
            variant = saved.pop("variant")
            cfg = make_config(args.variant or variant, **(saved | overrides))
        else:
            cfg = make_config(args.variant or "vanilla", **overrides)
        if args.publish:
            check_writable(args.publish, "--publish folder")  # now, not after hours of training
        run_dir = args.resume or args.run_dir or default_run_dir(framework, cfg.variant)
        trainer, record = train(cfg, run_dir, resume=bool(args.resume), progress=not args.no_progress)
        if args.publish:  # the same final evaluation as the notebooks' Metrics cell
            metrics = evaluate(sample(trainer, cfg, 1000 if smoke() else FINAL_SAMPLES))
            print(f"{format_metrics(metrics)}\npublished {publish(run_dir, args.publish, metrics=metrics)}")
    except (ConfigError, RunDirError, DivergenceError, CorruptDataError, DataUnavailableError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except OSError as err:  # e.g. the final evaluation's or --publish's writes
        print(f"error: cannot write {err.filename or 'a file'} ({err.strerror}): free space or fix permissions; "
              f"the run folder's checkpoint is kept", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    print(f"done in {record['wall_seconds']:.0f} s ({record['wall_seconds'] / cfg.epochs:.1f} s/epoch); "
          f"run folder {run_dir}")
    return 0
