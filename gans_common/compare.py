"""The comparison notebook's figures and table, from published run records (numpy + matplotlib only)."""
from __future__ import annotations

import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from . import notebook, plots, runs
from .config import PRESETS

FRAMEWORKS = ("pytorch", "tensorflow")


def output_paths() -> notebook.Paths:
    """Committed results are read in both modes; images go to images/ (a temporary folder under GANS_SMOKE=1)."""
    root = notebook.repo_root()
    images = Path(tempfile.mkdtemp(prefix="gans-smoke-")) if notebook.smoke() else root / "images"
    return notebook.Paths(root / "runs", root / "results", images, root / "results")


def load_all(results_dir) -> dict[tuple[str, str], tuple[dict, dict] | None]:
    """{(variant, framework): (record, samples) or None} for the 4 x 2 models."""
    return {(v, f): runs.load_result(results_dir, f, v) for v in PRESETS for f in FRAMEWORKS}


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


def samples_figure(results):
    images = {_title(v, f, r and r[0]): plots.grid(r[1]["samples"]) if r else None for (v, f), r in results.items()}
    missing = {_title(v, f, None): f"not run yet:\n{notebook.notebook_path(f, v)}"
               for (v, f), r in results.items() if r is None}
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


METRIC_COLUMNS = (("fid", "FID", "{:.2f}"), ("kid", "KID", "{:.1f}"), ("precision", "precision", "{:.3f}"),
                  ("recall", "recall", "{:.3f}"), ("digits_covered", "digits", "{:d}"),
                  ("kl_to_uniform", "KL(unif)", "{:.3f}"))


def metrics_rows(results, floor: dict | None = None) -> list[list[str]]:
    """Rows of the table (model, framework, metric columns, epochs, seconds per epoch, wall minutes, device)."""
    rows = []
    for (v, f), r in results.items():
        if r is None:
            rows.append([v, notebook.FRAMEWORK_NAMES[f]] + ["—"] * (len(METRIC_COLUMNS) + 4))
            continue
        m = r[0].get("metrics", {})
        rows.append([v, notebook.FRAMEWORK_NAMES[f]] + [fmt.format(m[k]) if k in m else "—"
                                                        for k, _, fmt in METRIC_COLUMNS] +
                    [str(r[0]["epochs"]), f"{np.mean(r[0]['epoch_seconds']):.1f}", f"{r[0]['wall_seconds'] / 60:.1f}",
                     r[0]["device"]])
    if floor:
        rows.append(["real data (floor)", "—"] + [fmt.format(floor[k]) for k, _, fmt in METRIC_COLUMNS] +
                    ["—"] * 4)
    return rows


HEADER = ["variant", "framework"] + [h for _, h, _ in METRIC_COLUMNS] + ["epochs", "s/epoch", "train min", "device"]


def metrics_table(results, floor: dict | None = None) -> str:
    """A plain-text table for the notebook."""
    rows = [HEADER] + metrics_rows(results, floor)
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


def markdown_table(results, floor: dict | None = None) -> str:
    """The same table in Markdown, for README."""
    rows = metrics_rows(results, floor)
    return "\n".join(["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)] +
                     ["| " + " | ".join(r) + " |" for r in rows])

