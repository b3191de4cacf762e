"""``python -m gans_pt|gans_tf``: the library's command line with what the study watches (the quality curve)
and ``--publish`` (the notebooks' final evaluation: 10k-sample metrics, memorised shares, interpolation strips, and
the record copied to ``results/``)."""
from __future__ import annotations

from gans_common import cli, frameworks
from gans_common.loop import sample
from gans_common.runs import check_writable

from . import notebook, results
from .callbacks import final_samples, study_callbacks
from .evaluate import evaluate, format_metrics
from .interpolation import strips
from .memorisation import memorised_shares


def main(framework: str, argv=None) -> int:
    pkg = frameworks.PACKAGES[framework]
    p = cli.parser(f"python -m {pkg}")
    p.add_argument("--publish", metavar="RESULTS_DIR",
                   help="evaluate the finished run (10k samples) and copy its record, metrics and samples here")
    args = p.parse_args(argv)
    smoke = notebook.smoke()  # the smoke switch, read once here

    def before(cfg):
        if args.publish:
            check_writable(args.publish, "--publish folder")  # now, not after hours of training

    def after(trainer, cfg, run_dir):
        if args.publish:  # the same final evaluation as the notebooks' Metrics, copies and interpolation cells
            samples = sample(trainer, cfg, final_samples(smoke))
            metrics = evaluate(samples, dataset=cfg.dataset)
            metrics |= memorised_shares(samples, cfg.dataset)
            strip = strips(trainer.generate, cfg.z_dim)
            record = results.publish(run_dir, args.publish, metrics=metrics, interpolation=strip)
            print(f"{format_metrics(metrics)}\npublished {record}")

    return cli.run(args, framework, frameworks.package(framework).train, callbacks=study_callbacks(smoke),
                   extra=("publish",), before=before, after=after)
