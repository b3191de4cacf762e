"""Regenerate the results tables in README.md from results/*.json and results/fashion-mnist/*.json (never typed by
hand).

    python tools/results_table.py
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # this checkout's records and code, not an editable install's

from gans_study import calibration, compare, truncation  # noqa: E402
from gans_study.evaluate import real_floor  # noqa: E402
from gans_study.memorisation import real_share  # noqa: E402
from gans_study.notebook import FRAMEWORK_NAMES  # noqa: E402
from gans_study.stats import format_mean_std  # noqa: E402

START, END = "<!-- results-table:start -->", "<!-- results-table:end -->"
FINDINGS = "<!-- findings:start -->", "<!-- findings:end -->"
FASHION = "<!-- fashion-table:start -->", "<!-- fashion-table:end -->"
FASHION_DIR = ROOT / "results" / "fashion-mnist"
TWINS_DIR = ROOT / "results" / "twins"


def floor(dataset: str = "mnist") -> dict:
    """The real-data row: real training images scored against the test set and, under copies, held-out test
    images' own memorised share (the measure's calibration)."""
    return real_floor(dataset=dataset) | {"memorised_pixel": real_share(dataset)}


def one_seed_minutes(seeds) -> str:
    """'; one seed of all eight: N min (seed 0), ... of training on cpu', from the CPU tier's records, for every seed
    all eight have: the same 2-core VM type is not equally fast on every day, so each seed's total is shown."""
    cpu = [r for rs in compare.in_tier(seeds, "cpu").values() for r in rs if r["device"] == "cpu"]
    totals = []
    for seed in sorted({r["config"]["seed"] for r in cpu}):
        runs = [r for r in cpu if r["config"]["seed"] == seed]
        if seeds and len(runs) == len(seeds):
            totals.append(f"{sum(r['wall_seconds'] for r in runs) / 60:.0f} min (seed {seed})")
    return f"; one seed of all eight: {', '.join(totals)} of training on cpu" if totals else ""


def seed_lists(seeds) -> str:
    """'seeds [0, 1, 2]', or where variants differ, the commonest list and the others by variant:
    'seeds [0, 1, 2] (dcgan: [0, 1, 2, 3, 4])'."""
    by_variant = {}
    for (variant, _), rs in seeds.items():
        by_variant.setdefault(variant, set()).update(r["config"]["seed"] for r in rs)
    lists = {v: sorted(s) for v, s in by_variant.items() if s}
    if not lists:
        return "seeds []"
    common = max(lists.values(), key=list(lists.values()).count)
    others = [f"{v}: {s}" for v, s in lists.items() if s != common]
    return f"seeds {common}" + (f" ({'; '.join(others)})" if others else "")


def gpu_tier_line(seeds) -> str:
    """Whether the GPU tier has run: how many of its records the table holds, on which devices."""
    records = [r for rs in compare.in_tier(seeds, "gpu").values() for r in rs]
    if not records:
        return "- not run yet: it needs a machine with a GPU\n"
    devices = sorted({compare.short_device(r["device"]) for r in records})
    return (f"- {len(records)} runs of {len({(r['config']['variant'], r['framework']) for r in records})} models on "
            f"{', '.join(devices)}, {sum(r['wall_seconds'] for r in records) / 60:.0f} min of training in all\n")


def calibration_lines(dataset: str = "mnist") -> str:
    """README's list of how the yardstick scores real digits degraded in known ways (``python -m
    gans_study.calibration``), or how to make it."""
    path = calibration.record_path(dataset)
    if not path.exists():
        return "- not run yet: `python -m gans_study.calibration`\n"
    record = json.loads(path.read_text())
    return "".join(f"- {line}\n" for line in calibration.summary_lines(record)) + (
        f"\n(`{record['command']}`, seed {record['seed']}, {record['n_images']} images, commit {record['commit']}, "
        f"{record['device']}; record `{path.relative_to(ROOT)}`.)\n")


def truncation_lines(folder: Path = truncation.RESULTS_DIR) -> str:
    """README's list of what truncated noise does to finished runs (``python -m gans_study.truncation``), one line
    per record, or how to make it."""
    records = [json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json"))]
    if not records:
        return "- not run yet: `python -m gans_study.truncation RUN_DIR`\n"
    earlier = {id(r) for r in records if not compare.is_preset(r, ignore=("epochs",))}  # kept, but marked so
    return "".join(f"- {truncation.summary_line(r)}{' (an earlier preset)' if id(r) in earlier else ''}\n"
                   for r in records) + (
        f"\n(10k samples per row, test reference; commit {', '.join(sorted({r['commit'] for r in records}))}, "
        f"{', '.join(sorted({r['device'] for r in records}))}; records in `{Path(folder).relative_to(ROOT)}/`.)\n")


def paired_lines(folder: Path = TWINS_DIR) -> str:
    """README's list of the twins trained from one start on the same draws (``tools/paired_twins.py``), one line
    per record, or how to make it."""
    records = [json.loads(p.read_text()) for p in sorted(Path(folder).glob("paired_*.json"))]
    if not records:
        return "- not run yet: `python tools/paired_twins.py`\n"
    lines = []
    for r in records:
        last = [rows[-1] for rows in r["seeds"].values()]
        fid = {fw: [row[fw]["fid"] for row in last] for fw in FRAMEWORK_NAMES}
        precision = {fw: [row[fw]["precision"] for row in last] for fw in FRAMEWORK_NAMES}
        gaps = ", ".join(f"{t - p:+.1f}" for p, t in zip(fid["pytorch"], fid["tensorflow"]))
        drifts = [row["g_drift"] for row in last]
        lines.append(f"- {r['config']['variant']}, seeds {list(map(int, r['seeds']))} at {last[0]['epoch']} epochs: "
                     f"FID PyTorch {format_mean_std(fid['pytorch'])}, TensorFlow {format_mean_std(fid['tensorflow'])} "
                     f"(TensorFlow - PyTorch by seed: {gaps}); precision "
                     f"{format_mean_std(precision['pytorch'], '{:.3f}')} / "
                     f"{format_mean_std(precision['tensorflow'], '{:.3f}')}; the two G's apart at the end "
                     f"(round-off, grown by training): their largest difference {min(drifts):.2g} to "
                     f"{max(drifts):.2g} times the tensor's largest weight\n")
    commands = "; ".join(f"`{r['command']}`" for r in records)
    samples = ", ".join(sorted({f"{r['n_eval'] // 1000}k samples, {r['reference']} reference" for r in records}))
    return "".join(lines) + (
        f"\n({samples}; {commands}; commit "
        f"{', '.join(sorted({r['commit'] for r in records}))}, {', '.join(sorted({r['device'] for r in records}))}; "
        f"records in `{Path(folder).relative_to(ROOT)}/`.)\n")


def fashion_section(mnist_seeds) -> str:
    """The Fashion-MNIST table (``make fashion``) and which MNIST findings hold on it, or why there is none."""
    seeds = compare.load_seeds(FASHION_DIR, dataset="fashion-mnist")
    records = [r for rs in seeds.values() for r in rs]
    if not records:
        return ("Not run yet at the current presets: `make fashion` trains the eight models (seed 0) into "
                "`results/fashion-mnist/`.")
    minutes = sum(r["wall_seconds"] for r in records) / 60
    frameworks = sorted({f for (_, f), rs in seeds.items() if rs})  # the MNIST side limited to the same ones
    mnist = {k: rs for k, rs in compare.in_tier(mnist_seeds, "cpu").items() if k[1] in frameworks}  # same tier too
    lines = compare.dataset_findings(mnist, seeds)
    which = "both frameworks" if len(frameworks) == 2 else f"{FRAMEWORK_NAMES[frameworks[0]]} only, on both datasets"
    fig = compare.samples_figure(compare.load_all(FASHION_DIR),  # as the table: today's presets only, seed 0 each
                                 lambda v, f: "not run at today's preset:\nmake fashion")
    fig.savefig(ROOT / "images" / "fashion-mnist_samples.png", dpi=80, bbox_inches="tight")
    return ("![samples of all eight models on Fashion-MNIST](images/fashion-mnist_samples.png)\n\n" +
            compare.markdown_table(seeds, floor("fashion-mnist")) +
            f"\n\nGenerated by `python tools/results_table.py` from `results/fashion-mnist/*.json` (seeds "
            f"{sorted({r['config']['seed'] for r in records})}; {minutes:.0f} min of training in all on "
            f"{', '.join(sorted({compare.short_device(r['device']) for r in records}))}; runs at commit "
            f"{', '.join(sorted({r['commit'] for r in records}))}).\n\n"
            f"Which MNIST findings hold on Fashion-MNIST (means over seeds and {which}; FIDs of the two datasets "
            "are in different feature spaces, so only orders carry over):\n\n" + "".join(f"- {x}\n" for x in lines))


def main():
    seeds = compare.load_seeds(ROOT / "results")
    records = [r for rs in seeds.values() for r in rs]
    commits = sorted({r["commit"] for r in records})
    table = (compare.markdown_table(seeds, floor()) +
             f"\n\nGenerated by `python tools/results_table.py` from `results/*.json` "
             f"(mean ± std over {seed_lists(seeds)}; runs at commit "
             f"{', '.join(commits) or '—'}){one_seed_minutes(seeds)}.")
    findings = ("Where the two frameworks' mean FIDs differ by more than their seed spread (max - min):\n\n" +
                ("".join(f"- {line}\n" for line in compare.spread_differences(seeds)) or
                 "- not yet: every model has one seed so far, so there is no spread to compare with\n") +
                "\nHow much FID still fell between the last two curve points (mean over seeds):\n\n" +
                "".join(f"- {line}\n" for line in compare.late_gains(seeds)) +
                "\nThe hour (the CPU tier aims at one seed of all eight in about 60 min on 2 cores; where the presets "
                "do not fit, each curve, FID of 5k samples and precision, mean over seeds, read at its end -> at the "
                "epochs that would):\n\n" + "".join(f"- {line}\n" for line in compare.within_minutes(seeds)) +
                "\nHow evenly each model draws the ten digits (the evaluator classifier's labels of its 10k samples; "
                "the rarest and the commonest digit's share, mean over seeds, then the extremes of single seeds; "
                "uniform is 10%, the CPU tier aims at every digit within 6% to 14% as the mean over seeds):\n\n" +
                "".join(f"- {line}\n" for line in compare.class_shares(seeds)) +
                "\nTraining on past the presets (`make budget`: PyTorch, seed 0, twice each preset's epochs, records in "
                "`results/budget/`; FID of 5k samples at each curve point, then precision and recall of the final 10k "
                "samples, the preset's run of the same seed -> the longer run):\n\n" +
                ("".join(f"- {line}\n" for line in compare.longer_runs(ROOT / "results" / "budget", seeds)) or
                 "- not run yet\n") +
                "\nThe scale: real training digits (the floor's 10k) degraded in known ways and scored the same way "
                "(`gans_study/calibration.py`):\n\n" + calibration_lines() +
                "\nThe truncation trick on finished runs (Brock et al. 2019: z drawn from a normal truncated to "
                "|z_i| <= t, `python -m gans_study.truncation RUN_DIR`; precision against recall, no retraining):\n\n" +
                truncation_lines() +
                "\nThe twins from one start on the same draws (`tools/paired_twins.py`: PyTorch's initial weights "
                "moved into TensorFlow's nets, the same data order and noise in both, so the runs differ only in the "
                "step's arithmetic; scored at the end):\n\n" + paired_lines() +
                "\nThe GPU tier (`make study-gpu`, rows marked \"gpu tier\"):\n\n" + gpu_tier_line(seeds) +
                "\nGenerated by `python tools/results_table.py`.")
    readme = ROOT / "README.md"
    text = readme.read_text()
    new = re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: f"{START}\n{table}\n{END}", text, flags=re.S)
    new = re.sub(re.escape(FINDINGS[0]) + ".*?" + re.escape(FINDINGS[1]),
                 lambda _: f"{FINDINGS[0]}\n{findings}\n{FINDINGS[1]}", new, flags=re.S)
    fashion = fashion_section(seeds)
    new = re.sub(re.escape(FASHION[0]) + ".*?" + re.escape(FASHION[1]),
                 lambda _: f"{FASHION[0]}\n{fashion}\n{FASHION[1]}", new, flags=re.S)
    readme.write_text(new)
    print(table + "\n\n" + findings + "\n\n" + fashion)


if __name__ == "__main__":
    main()
