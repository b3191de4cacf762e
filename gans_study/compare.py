"""The comparison notebook's figures and table, from published run records (numpy + matplotlib only)."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib import ticker
import numpy as np

from gans_common import runs
from gans_common.config import PRESETS, TIERS, config_from_dict, make_config
from gans_common.frameworks import FRAMEWORKS

from . import notebook, plots
from .results import as_saved, load_result, result_seeds
from .stats import format_mean_std
from .callbacks import CURVE_SAMPLES
from .interpolation import STEPS



def output_paths() -> notebook.Paths:
    """Committed results are read in both modes; images go to images/ (a temporary folder under GANS_SMOKE=1)."""
    root = runs.repo_root()
    images = Path(tempfile.mkdtemp(prefix="gans-smoke-")) if notebook.smoke() else root / "images"
    return notebook.Paths(root / "runs", root / "results", images, root / "results")


def load_all(results_dir) -> dict[tuple[str, str], tuple[dict, dict] | None]:
    """{(variant, framework): (record, samples) or None} for the 4 x 2 models: the seed-0 run of today's CPU preset
    on the dataset it was trained on (a record left from an older preset counts as not run)."""
    found = {(v, f): load_result(results_dir, f, v) for v in PRESETS for f in FRAMEWORKS}
    return {key: r if r and tier_of(r[0]) == "cpu" else None for key, r in found.items()}


def missing_message(results) -> str:
    missing = [notebook.notebook_path(f, v) for (v, f), r in results.items() if r is None]
    if not missing:
        return f"all {len(results)} runs found"
    return f"{len(results) - len(missing)} of {len(results)} runs found; run these notebooks first:\n  " + \
        "\n  ".join(missing)


def _title(variant, framework, record):
    return f"{variant} · {notebook.FRAMEWORK_NAMES[framework]}" + (f"\n{record['epochs']} epochs, "
                                                                  f"{record['wall_seconds'] / 60:.1f} min"
                                                                  if record else "")


def samples_figure(results, missing_text=None):
    """One panel of 100 samples per model; ``missing_text(variant, framework)`` fills a model without a run (by
    default: the notebook that makes it)."""
    missing_text = missing_text or (lambda v, f: f"not run yet:\n{notebook.notebook_path(f, v)}")
    images = {_title(v, f, r and r[0]): plots.grid(r[1]["samples"]) if r else None for (v, f), r in results.items()}
    missing = {_title(v, f, None): missing_text(v, f) for (v, f), r in results.items() if r is None}
    return plots.panels(images, ncols=len(FRAMEWORKS) * 2, cell=3.0, missing=missing)


def interpolation_figure(results):
    """Every model's latent interpolation strips (the same latent pairs for all), one panel per model."""
    have = {key: r and r[1].get("interpolation") for key, r in results.items()}
    images = {_title(v, f, None): None if s is None else plots.grid(s, nrow=STEPS) for (v, f), s in have.items()}
    missing = {_title(v, f, None): f"no interpolation yet:\n{notebook.notebook_path(f, v)}"
               for (v, f), s in have.items() if s is None}
    return plots.panels(images, ncols=len(FRAMEWORKS) * 2, cell=3.0, missing=missing)


def losses_figure(results):
    fig, axes = plt.subplots(1, len(PRESETS), figsize=(4.2 * len(PRESETS), 3.2))
    for ax, variant in zip(axes, PRESETS):
        for framework in FRAMEWORKS:
            r = results[(variant, framework)]
            if r:
                plots.plot_losses(r[0]["losses"], ax=ax, label=notebook.FRAMEWORK_NAMES[framework], window=10)
        ax.set_title(variant)
    fig.tight_layout()
    return fig


def progress_figure(results):
    """One row per model: its first ten fixed-noise samples after each epoch, epochs left to right."""
    rows = {}
    for (v, f), r in results.items():
        if r:
            snaps = r[1]["snapshots"]                     # (epochs, 10, 28, 28)
            strip = plots.grid(snaps.transpose(1, 0, 2, 3).reshape(-1, 28, 28), nrow=len(snaps))
            rows[f"{v} · {notebook.FRAMEWORK_NAMES[f]}"] = strip
    if not rows:
        return plots.panels({"progress": None}, ncols=1, missing={"progress": missing_message(results)})
    fig, axes = plt.subplots(len(rows), 1, figsize=(12, 2.2 * len(rows)), squeeze=False)
    for ax, (title, strip) in zip(axes[:, 0], rows.items()):
        ax.imshow(strip, cmap="gray", vmin=0, vmax=255, interpolation="nearest", aspect="equal")
        ax.set_title(title, fontsize=9, loc="left")
        ax.axis("off")
    fig.tight_layout()
    return fig


def load_seeds(results_dir, dataset: str = "mnist") -> dict[tuple[str, str], list[dict]]:
    """{(variant, framework): [record of every published seed]} for the 4 x 2 models, read from ``results_dir``
    and its subfolders (e.g. ``results/gpu/``, runs made on another device). Only records trained with their
    variant's current preset of a tier (``config.TIERS``) on ``dataset`` count (any seed): an experiment with other
    settings, a record left from an older preset, or another dataset's run, is never averaged into the table."""
    folders = [Path(results_dir), *sorted(p for p in Path(results_dir).iterdir() if p.is_dir())] \
        if Path(results_dir).is_dir() else []
    records = {(v, f): [load_result(d, f, v, s)[0] for d in folders for s in result_seeds(d, f, v)]
               for v in PRESETS for f in FRAMEWORKS}
    return {key: [r for r in rs if tier_of(r, dataset=dataset)] for key, rs in records.items()}


def tier_of(record: dict, ignore: tuple[str, ...] = (), dataset: str | None = None) -> str | None:
    """The tier (``config.TIERS``) whose current preset of its variant ``record`` was trained with on ``dataset``
    (default: the record's own; any seed; any value of the fields in ``ignore``), or None. A field the record lacks
    was added to the config later, with a default that keeps the old behaviour: the record had that default."""
    dataset = dataset or record["config"].get("dataset", "mnist")
    same = dict(seed=0) | {k: None for k in ignore}
    config = as_saved(config_from_dict(record["config"])) | same
    for tier in TIERS:
        if as_saved(make_config(config["variant"], tier=tier, dataset=dataset)) | same == config:
            return tier
    return None


def in_tier(seeds: dict, tier: str = "cpu") -> dict[tuple[str, str], list[dict]]:
    """``seeds`` (from :func:`load_seeds`) with only the records of ``tier``."""
    return {key: [r for r in rs if tier_of(r) == tier] for key, rs in seeds.items()}


def is_preset(record: dict, ignore: tuple[str, ...] = (), dataset: str = "mnist", tier: str = "cpu") -> bool:
    """Was ``record`` trained with its variant's current preset of ``tier``? (See :func:`tier_of`.)"""
    return tier_of(record, ignore, dataset) == tier


def short_device(device: str) -> str:
    """'cuda (NVIDIA H100 80GB HBM3)' -> 'H100 80GB HBM3'; 'cpu' stays."""
    return device.split("(", 1)[-1].rstrip(")").replace("NVIDIA ", "") if "(" in device else device


def where(record: dict) -> str:
    """The table's device cell: the short device name, and the tier where it is not the CPU study's."""
    tier = tier_of(record)
    return short_device(record["device"]) + ("" if tier in ("cpu", None) else f", {tier} tier")


def by_device(seeds: dict) -> dict[tuple[str, str, str], list[dict]]:
    """{(variant, framework, device and tier): records with metrics}: seeds are only averaged over one kind of
    device and one tier."""
    out = {}
    for (v, f), records in seeds.items():
        for r in records:
            if "metrics" in r:
                out.setdefault((v, f, where(r)), []).append(r)
    return out


METRIC_COLUMNS = (("fid", "FID", "{:.1f}"), ("kid", "KID", "{:.1f}"), ("precision", "precision", "{:.3f}"),
                  ("recall", "recall", "{:.3f}"), ("digits_covered", "digits", "{:.1f}"),
                  ("kl_to_uniform", "KL(unif)", "{:.3f}"), ("memorised_pixel", "copies (px)", "{:.3f}"))


def metrics_rows(seeds: dict, floor: dict | None = None) -> list[list[str]]:
    """Rows of the table: model, framework, device, seeds, each metric as mean ± std over seeds, epochs, s/epoch."""
    rows, groups = [], by_device(seeds)
    for (v, f) in seeds:
        devices = sorted(d for (v_, f_, d) in groups if (v_, f_) == (v, f))
        if not devices:
            rows.append([v, notebook.FRAMEWORK_NAMES[f], "—", "0"] + ["—"] * (len(METRIC_COLUMNS) + 2))
        for d in devices:
            records = groups[(v, f, d)]
            rows.append([v, notebook.FRAMEWORK_NAMES[f], d, str(len(records))] +
                        [_mean_std(records, k, fmt) for k, _, fmt in METRIC_COLUMNS] +
                        [str(records[0]["epochs"]), f"{np.mean([np.mean(r['epoch_seconds']) for r in records]):.2f}"])
    if floor:
        rows.append(["real data (floor)", "—", "—", "—"] +
                    [fmt.format(floor[k]) if k in floor else "—" for k, _, fmt in METRIC_COLUMNS] +
                    ["—"] * 2)
    return rows


def _mean_std(records: list[dict], key: str, fmt: str) -> str:
    """Mean ± std of one metric over seeds; "—" where a record predates the metric."""
    values = [r["metrics"].get(key) for r in records]
    return "—" if None in values else format_mean_std(values, fmt)


HEADER = ["variant", "framework", "device", "seeds"] + [h for _, h, _ in METRIC_COLUMNS] + ["epochs", "s/epoch"]


def metrics_table(seeds, floor: dict | None = None) -> str:
    """A plain-text table for the notebook."""
    rows = [HEADER] + metrics_rows(seeds, floor)
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def markdown_table(seeds, floor: dict | None = None) -> str:
    """The same table in Markdown, for README."""
    rows = metrics_rows(seeds, floor)
    return "\n".join(["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)] +
                     ["| " + " | ".join(r) + " |" for r in rows])


def spread_differences(seeds: dict, metric: str = "fid") -> list[str]:
    """Per variant, whether the PyTorch and TensorFlow means differ by more than the larger of their seed spreads
    (max - min over seeds), as sentences. Each framework's largest group of seeds on one device is used (at least
    two seeds)."""
    groups, out = by_device(seeds), []
    for v in PRESETS:
        best = {}
        for f in FRAMEWORKS:
            options = [(len(rs), d, rs) for (v_, f_, d), rs in groups.items() if (v_, f_) == (v, f) and len(rs) >= 2]
            if options:
                best[f] = max(options, key=lambda o: o[0])
        if len(best) < 2:
            continue
        (_, d_pt, pt), (_, d_tf, tf) = best["pytorch"], best["tensorflow"]
        vals_pt, vals_tf = [r["metrics"][metric] for r in pt], [r["metrics"][metric] for r in tf]
        gap, spread = abs(np.mean(vals_pt) - np.mean(vals_tf)), max(np.ptp(vals_pt), np.ptp(vals_tf))
        verdict = "differ by more than" if gap > spread else "agree within"
        out.append(f"{v}: PyTorch ({d_pt}) {np.mean(vals_pt):.1f} vs TensorFlow ({d_tf}) {np.mean(vals_tf):.1f} "
                   f"{metric} {verdict} their seed spread ({gap:.1f} vs {spread:.1f})")
    return out


def _short(x: float) -> str:
    """A curve value in a sentence: whole numbers from 10 up, one decimal below (5.0 -> 4.7 must not read 5 -> 5)."""
    return f"{x:.0f}" if abs(x) >= 10 else f"{x:.1f}"


def late_gains(seeds: dict, metric: str = "fid") -> list[str]:
    """Per model and device, how much the metric (mean over seeds) still fell over the last stretch of training,
    between the last two curve points: near 0 means the curve has flattened and the budget could stop earlier."""
    out = []
    for (v, f, d), records in by_device(seeds).items():
        records = [r for r in records if len(r.get("curve", [])) >= 2]
        if not records:
            continue
        n = min(len(r["curve"]) for r in records)
        a, b = (np.mean([r["curve"][j][metric] for r in records]) for j in (n - 2, n - 1))
        steps = records[0]["curve"][n - 2]["generator_steps"], records[0]["curve"][n - 1]["generator_steps"]
        out.append(f"{v} · {notebook.FRAMEWORK_NAMES[f]} · {d}: {metric} {_short(a)} -> {_short(b)} "
                   f"({(b - a) / a:+.0%}) over the last {1 - steps[0] / steps[1]:.0%} of training")
    return out


def class_shares(seeds: dict, low: float = 0.06, high: float = 0.14) -> list[str]:
    """How evenly each model draws the ten digits: the rarest and the commonest digit's share of its 10k samples
    (the evaluator classifier's labels, ``histogram``), mean over its seeds, whether every mean share is in
    [``low``, ``high``] (uniform is 10%), and the extremes of single seeds."""
    out = []
    for (v, f, d), records in by_device(seeds).items():
        counts = np.array([r["metrics"]["histogram"] for r in records], float)  # (seeds, 10)
        shares = counts / counts.sum(1, keepdims=True)
        mean = shares.mean(0)  # (10,)
        inside = low <= mean.min() and mean.max() <= high
        (_, rare), (_, common) = (np.unravel_index(i, shares.shape) for i in (shares.argmin(), shares.argmax()))
        out.append(f"{v} · {notebook.FRAMEWORK_NAMES[f]} · {d}, mean over {len(records)} seed(s): {mean.min():.1%} "
                   f"({mean.argmin()}s) to {mean.max():.1%} ({mean.argmax()}s): {'inside' if inside else 'outside'} "
                   f"{low:.0%} to {high:.0%}; single seeds {shares.min():.1%} ({rare}s) to {shares.max():.1%} "
                   f"({common}s)")
    return out


def within_minutes(seeds: dict, minutes: float = 60.0) -> list[str]:
    """What a shorter equal budget would cost: the epochs (the same for every model, as the images-seen rule asks)
    at which one seed of all the CPU tier's models would train in ``minutes`` at their recorded seconds per epoch,
    and each model's quality curve (mean over seeds, linear between its points) read there and at its end; one line
    where the presets already fit."""
    cpu = {k: rs for k, rs in by_device(in_tier(seeds, "cpu")).items() if k[2] == "cpu" and rs}
    if not cpu:
        return []
    per_epoch = {k: np.mean([np.mean(r["epoch_seconds"]) for r in rs]) for k, rs in cpu.items()}
    epochs = minutes * 60 / sum(per_epoch.values())
    preset = max(r["config"]["epochs"] for rs in cpu.values() for r in rs)
    head = (f"{minutes:.0f} min for one seed of all {len(cpu)} at their recorded {sum(per_epoch.values()):.0f} s per "
            f"epoch together: {epochs:.1f} epochs each, against today's {preset}")
    if epochs >= preset:
        return [head + ": the presets fit"]
    out = [head]
    for (v, f, d), rs in cpu.items():
        at = {m: np.mean([np.interp(epochs, [p["epoch"] for p in r["curve"]], [p[m] for p in r["curve"]])
                          for r in rs]) for m in ("fid", "precision")}
        end = {m: np.mean([r["curve"][-1][m] for r in rs]) for m in ("fid", "precision")}
        out.append(f"{v} · {notebook.FRAMEWORK_NAMES[f]} · {d}: fid {_short(end['fid'])} -> {_short(at['fid'])}, "
                   f"precision {end['precision']:.2f} -> {at['precision']:.2f}")
    return out


def longer_runs(folder, seeds: dict, metric: str = "fid") -> list[str]:
    """What training beyond the preset's epochs bought: for each record in ``folder`` (runs with more epochs than
    their preset, e.g. ``results/budget``), the metric at the curve points from the preset's last epoch on, and
    the extra training time at the s/epoch of that model's preset runs on the same device (``seeds``), since a
    single long run's own clock may have shared the machine."""
    out, preset_runs = [], by_device(seeds)
    for path in sorted(Path(folder).glob("*.json")) if Path(folder).is_dir() else []:
        r = json.loads(path.read_text())
        v, f, d = r["config"]["variant"], r["framework"], short_device(r["device"])
        preset = make_config(v).epochs
        points = [p for p in r.get("curve", []) if p["epoch"] >= preset]
        if (r["config"]["epochs"] <= preset or not points or points[0]["epoch"] != preset
                or not is_preset(r, ignore=("epochs",))):  # another preset's run says nothing about this one
            continue
        same = preset_runs.get((v, f, d), [])
        per_epoch = np.mean([np.mean(x["epoch_seconds"]) for x in same]) if same else np.mean(r["epoch_seconds"])
        path_ = " -> ".join(f"{_short(p[metric])} at {p['epoch']}" for p in points)
        a, b = points[0][metric], points[-1][metric]
        extra = (points[-1]["epoch"] - preset) * per_epoch / 60
        line = (f"{v} · {notebook.FRAMEWORK_NAMES[f]} · {d}, seed {r['config']['seed']}: {metric} {path_} epochs "
                f"({(b - a) / a:+.0%} for {points[-1]['epoch'] / preset:.1f}x the preset's {preset} epochs, "
                f"+{extra:.1f} min of training at {per_epoch:.1f} s/epoch)")
        twin = next((x for x in same if x["config"]["seed"] == r["config"]["seed"]), None)
        if "metrics" in r and twin:  # fidelity and variety of the final 10k samples against the preset's same seed
            m, m0 = r["metrics"], twin["metrics"]
            line += (f"; its 10k samples: precision {m0['precision']:.2f} -> {m['precision']:.2f}, recall "
                     f"{m0['recall']:.2f} -> {m['recall']:.2f}")
        out.append(line)
    return out


def curves_figure(seeds: dict, metric: str = "fid"):
    """Quality during training, one line per model and device: against generator steps (mean over seeds, band =
    best..worst seed) and against training seconds on that device (evaluation time excluded)."""
    fig, (ax_steps, ax_time) = plt.subplots(1, 2, figsize=(16, 4.8))
    devices = sorted({d for (_, _, d) in by_device(seeds)})
    for (v, f, d), records in by_device(seeds).items():
        records = [r for r in records if r.get("curve")]
        if not records:
            continue
        n = min(len(r["curve"]) for r in records)
        style = dict(color=f"C{list(PRESETS).index(v)}", marker="o" if f == "pytorch" else "s", ms=3,
                     ls=("-", "--", ":", "-.")[(FRAMEWORKS.index(f) * len(devices) + devices.index(d)) % 4],
                     label=f"{v} · {notebook.FRAMEWORK_NAMES[f]} · {d} ({len(records)})")
        steps = [p["generator_steps"] for p in records[0]["curve"][:n]]
        values = np.array([[p[metric] for p in r["curve"][:n]] for r in records])  # (seeds, points)
        secs = np.mean([[p["train_seconds"] for p in r["curve"][:n]] for r in records], 0)
        ax_steps.plot(steps, values.mean(0), **style)
        ax_steps.fill_between(steps, values.min(0), values.max(0), color=style["color"], alpha=0.1)
        ax_time.plot(secs, values.mean(0), **style)
    for ax, xlabel in ((ax_steps, "generator steps"), (ax_time, "training seconds")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel(xlabel)
        ax.set_ylabel(f"classifier-{metric.upper()} ({CURVE_NOTE})")
        ax.grid(True, which="both", alpha=0.3)
        for axis in (ax.xaxis, ax.yaxis):  # plain numbers; minor ticks labelled at 2 and 5 only (no overlapping labels)
            axis.set_major_formatter(ticker.StrMethodFormatter("{x:g}"))
            axis.set_minor_formatter(ticker.FuncFormatter(_two_and_five))
    ax_time.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.02, 1.0), title="variant · framework · device (seeds)",
                   title_fontsize=7)
    fig.tight_layout()
    return fig


def _two_and_five(x, _) -> str:
    """A log axis's minor tick label: the value where its leading digit is 2 or 5, else none."""
    return f"{x:g}" if x > 0 and round(x / 10 ** np.floor(np.log10(x))) in (2, 5) else ""


CURVE_NOTE = f"{CURVE_SAMPLES // 1000}k samples"


# The study's questions, as pairs of models whose FIDs answer them: (question, model a, model b); a model is a
# variant, both frameworks pooled.
QUESTIONS = (("the least-squares loss beats the non-saturating one on the MLP pair", "lsgan", "vanilla"),
             ("the conv nets beat the MLP pair (same non-saturating loss)", "dcgan", "vanilla"),
             ("the Wasserstein critic with gradient penalty beats DCGAN's discriminator (same conv nets)",
              "wgan_gp", "dcgan"))


def _variant_fid(seeds: dict, variant: str, metric: str = "fid") -> float | None:
    values = [r["metrics"][metric] for (v, _f), rs in seeds.items() if v == variant for r in rs if "metrics" in r]
    return float(np.mean(values)) if values else None


def dataset_findings(first: dict, second: dict, names=("MNIST", "Fashion-MNIST"), metric: str = "fid") -> list[str]:
    """Which of the first dataset's findings hold on the second, as sentences: the ranking of the four variants,
    each of QUESTIONS, and which framework scored lower per variant. Means over every seed and framework on the
    table's devices; FIDs of different datasets are in different feature spaces, so only orders are compared."""
    out = []
    ranks = []
    for seeds in (first, second):
        fids = {v: _variant_fid(seeds, v, metric) for v in PRESETS}
        ranks.append(sorted((v for v in fids if fids[v] is not None), key=fids.get))  # a variant may have none
    if all(len(r) == len(PRESETS) for r in ranks):
        same = "the same" if ranks[0] == ranks[1] else "a different"
        out.append(f"Ranking by {metric} (best first): {names[0]} {' < '.join(ranks[0])}; {names[1]} "
                   f"{' < '.join(ranks[1])}: {same} order.")
    for question, a, b in QUESTIONS:
        fa, fb = ([_variant_fid(seeds, v, metric) for v in (a, b)] for seeds in (first, second))
        if None in fa or None in fb:
            continue
        verdicts = [x[0] < x[1] for x in (fa, fb)]
        says = "holds" if verdicts[0] == verdicts[1] else "does not hold"
        out.append(f"{question}: {names[0]} {'yes' if verdicts[0] else 'no'} ({a} {fa[0]:.1f} vs {b} {fa[1]:.1f}), "
                   f"{names[1]} {'yes' if verdicts[1] else 'no'} ({fb[0]:.1f} vs {fb[1]:.1f}): {says}.")
    for v in PRESETS:
        parts = []
        for seeds, name in zip((first, second), names):
            by_fw = [[r["metrics"][metric] for r in seeds.get((v, f), []) if "metrics" in r] for f in FRAMEWORKS]
            if not all(by_fw):
                break
            gap = abs(np.mean(by_fw[0]) - np.mean(by_fw[1])) / np.mean(by_fw[0] + by_fw[1])
            spread = max(np.ptp(x) for x in by_fw) / np.mean(by_fw[0] + by_fw[1])
            n = min(len(x) for x in by_fw)
            parts.append(f"{gap:.0%} on {name} (" + (f"seed spread {spread:.0%}" if n >= 2 else "one seed: no spread")
                         + ")")
        else:
            out.append(f"{v}: PyTorch and TensorFlow {metric} differ by " + ", by ".join(parts) + " of their mean.")
    return out
