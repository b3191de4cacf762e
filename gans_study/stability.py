"""The stability notebook's summaries, findings and figures, from the sweep's records (numpy + matplotlib only).

A record is the JSON that :func:`gans_study.sweep.run_point` writes. The base point of a family (``factor ==
"base"``) stands for the base value of every factor that varies that base. Spreads are over seeds: mean ± sample
standard deviation (ddof = 1; 0 for a single seed). FID means are over the runs that did not diverge.
"""
from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from .stats import mean_std
from .sweep import COLLAPSE_DIGITS, FACTOR_BY_NAME, FACTORS, FRAMEWORKS, Factor

FRAMEWORK_NAMES = {"pytorch": "PyTorch", "tensorflow": "TensorFlow"}


def load_records(folder) -> list[dict]:
    """Every run record in ``folder``, sorted by name."""
    return [json.loads(p.read_text()) for p in sorted(Path(folder).glob("*.json"))]


def _factor(factor) -> Factor:
    return FACTOR_BY_NAME[factor] if isinstance(factor, str) else factor


def runs_by_value(records: list[dict], factor, framework: str = "pytorch") -> dict:
    """{value: [records]} of ``factor`` for one framework, in the factor's order (values without runs left out)."""
    factor = _factor(factor)
    out = {v: [] for v in factor.values}
    for r in records:
        if r["framework"] != framework:
            continue
        if r["factor"] == factor.name and r["value"] in out:
            out[r["value"]].append(r)
        elif r["factor"] == "base" and r["base"] == factor.base:
            out[factor.base_value].append(r)
    return {v: rs for v, rs in out.items() if rs}


def summarise(runs: list[dict]) -> dict:
    """Seed spread of one point: n, diverged/collapsed counts, FID and digits covered mean ± std (final metrics
    of the runs that did not diverge)."""
    finals = [r["final"] for r in runs if not r["diverged"] and r["final"]]
    fid, fid_std = mean_std([f["fid"] for f in finals])
    digits, digits_std = mean_std([f["digits_covered"] for f in finals])
    return dict(n=len(runs), n_scored=len(finals), n_diverged=sum(bool(r["diverged"]) for r in runs),
                n_collapsed=sum(bool(r["collapsed"]) for r in runs), fid=fid, fid_std=fid_std, digits=digits,
                digits_std=digits_std)


def _decimals(x: float) -> int:
    return 0 if abs(x) >= 100 else 1 if abs(x) >= 10 else 2


def pm(mean: float, std: float, decimals: int | None = None) -> str:
    """'95 ± 8' (decimals from the size of the mean unless given); '–' when there is nothing to show."""
    if math.isnan(mean):
        return "–"
    d = _decimals(mean) if decimals is None else decimals
    return f"{mean:.{d}f} ± {std:.{d}f}"


def value_label(factor, value) -> str:
    factor = _factor(factor)
    return {"k_steps": lambda v: f"k={v}", "loss": lambda v: f"{v}".replace("nons", "non-s"),
            "real_label": lambda v: f"real label {v}", "lr_ratio": lambda v: f"lr D:G {v}:1",
            "batch_size": lambda v: f"batch {v}",
            "d_norm": lambda v: "BN in D" if v == "batch" else "no BN in D"}.get(factor.name, str)(value)


def _rank_key(s: dict) -> tuple:
    """Best first: fewest diverged or collapsed runs, then the lowest mean FID."""
    failed = (s["n_diverged"] + s["n_collapsed"]) / s["n"]
    return (failed, s["fid"] if not math.isnan(s["fid"]) else math.inf)


def _clearly_different(a: dict, b: dict) -> bool:
    """Shares of failed runs at least half the seeds apart (1/3 vs 2/3 is not enough), or FIDs more than the seed
    spread apart (never with a single seed, which has no spread to judge by)."""
    if abs(_rank_key(a)[0] - _rank_key(b)[0]) >= 0.5:
        return True
    if min(a["n_scored"], b["n_scored"]) < 2:
        return False
    return abs(a["fid"] - b["fid"]) > math.hypot(a["fid_std"], b["fid_std"])


def _spread_words(a: dict, b: dict, label: str) -> str:
    if min(a["n_scored"], b["n_scored"]) < 2:
        return f"too few seeds to tell it from {label}"
    return f"{label} is within the seed spread"


def finding(records: list[dict], factor, framework: str = "pytorch") -> str:
    """One line from the numbers: FID and digits covered (mean ± std over seeds), collapsed and diverged counts per
    value, the best value, and whether that agrees with the factor's folk tip."""
    factor = _factor(factor)
    stats = {v: summarise(rs) for v, rs in runs_by_value(records, factor, framework).items()}
    if not stats:
        return f"{factor.label}: no {FRAMEWORK_NAMES[framework]} runs recorded"
    labels = {v: value_label(factor, v) for v in stats}
    fids = " vs ".join(f"{labels[v]} {pm(s['fid'], s['fid_std'])}" for v, s in stats.items())
    digits = " vs ".join(pm(s["digits"], s["digits_std"], 1) for s in stats.values())
    collapsed = " vs ".join(f"{s['n_collapsed']}/{s['n']}" for s in stats.values())
    diverged = " vs ".join(f"{s['n_diverged']}/{s['n']}" for s in stats.values())
    line = f"{factor.label}: FID {fids}; digits covered {digits}; collapsed {collapsed}; diverged {diverged}"
    if len(stats) < 2:
        return line
    best = min(stats, key=lambda v: _rank_key(stats[v]))
    folk = [v for v in stats if v in factor.folk_best]
    others = [v for v in stats if (v in factor.folk_best) != (best in factor.folk_best)]
    if not folk:
        return f"{line}. Best: {labels[best]} (the folk tip's values were not run)"
    rival = min(others, key=lambda v: _rank_key(stats[v])) if others else None
    clear = rival is not None and _clearly_different(stats[best], stats[rival])
    spread = _spread_words(stats[best], stats[rival], labels[rival]) if rival is not None else ""
    if best in factor.folk_best:
        verdict = "agrees with the folk tip" if clear or rival is None else f"leans towards the folk tip ({spread})"
    else:
        verdict = "contradicts the folk tip" if clear else f"does not support the folk tip ({spread})"
    return f"{line}. Best: {labels[best]}, which {verdict}: {factor.folk_tip}"


def framework_finding(records: list[dict], base: str = "mlp") -> str:
    """The base point of ``base`` in both frameworks, one line."""
    stats = {fw: summarise([r for r in records if r["factor"] == "base" and r["base"] == base
                            and r["framework"] == fw]) for fw in FRAMEWORKS}
    stats = {fw: s for fw, s in stats.items() if s["n"]}
    if not stats:
        return f"base {base}: no runs recorded"
    parts = [f"{FRAMEWORK_NAMES[fw]} FID {pm(s['fid'], s['fid_std'])}, digits {pm(s['digits'], s['digits_std'], 1)}, "
             f"{s['n_collapsed']}/{s['n']} collapsed, {s['n_diverged']}/{s['n']} diverged" for fw, s in stats.items()]
    line = f"base {base}: " + " vs ".join(parts)
    if len(stats) == 2:
        a, b = stats.values()
        line += (": the frameworks differ by more than the seed spread" if _clearly_different(a, b)
                 else ": no difference beyond the seed spread")
    return line


def findings_table(records: list[dict]) -> str:
    """Factor, value, framework, runs, FID mean ± std, digits covered mean ± std, collapsed and diverged counts."""
    head = ("factor", "value", "framework", "FID", "digits covered", "collapsed", "diverged")
    rows = []
    for factor in (f for f in FACTORS if any(r["factor"] == f.name for r in records)):  # factors that were varied
        for fw in FRAMEWORKS:
            for v, rs in runs_by_value(records, factor, fw).items():
                s = summarise(rs)
                rows.append((factor.name, value_label(factor, v) + (" (base)" if v == factor.base_value else ""),
                             FRAMEWORK_NAMES[fw], pm(s["fid"], s["fid_std"]), pm(s["digits"], s["digits_std"], 1),
                             f"{s['n_collapsed']}/{s['n']}", f"{s['n_diverged']}/{s['n']}"))
    if not rows:
        return "no runs recorded"
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]

    def fmt(row):
        return "  ".join(str(x).ljust(w) for x, w in zip(row, widths)).rstrip()

    return "\n".join([fmt(head), fmt(["-" * w for w in widths]), *map(fmt, rows),
                      f"({len(records)} runs; FID: classifier-feature FID of {_n_eval(records)} samples, not Inception "
                      f"FID; collapsed: fewer than {COLLAPSE_DIGITS} digits covered at the end)"])


def _n_eval(records) -> str:
    return "/".join(str(n) for n in sorted({r["n_eval"] for r in records}))


def overview(records: list[dict]) -> str:
    """How many runs, where they ran and how long they took (differs between machines: not for comparison)."""
    if not records:
        return "no runs recorded"
    devices = sorted({f"{FRAMEWORK_NAMES[r['framework']]} on {r['device']}" for r in records})
    return (f"{len(records)} runs ({', '.join(devices)}), {sum(r['wall_seconds'] for r in records) / 60:.1f} min "
            f"in all, commit(s) {', '.join(sorted({r['commit'] for r in records}))}")


def factor_figure(records: list[dict], factor):
    """Four panels for one factor: final FID and digits covered (mean ± std over seeds, each seed a dot), the share
    of diverged and collapsed runs, and FID after each evaluated epoch; PyTorch filled, TensorFlow open."""
    factor = _factor(factor)
    fig, axes = plt.subplots(1, 4, figsize=(17, 3.4))
    x = {v: i for i, v in enumerate(factor.values)}
    for k, fw in enumerate(FRAMEWORKS):
        off, style = (k - 0.5) * 0.2, dict(color=f"C{k}", mfc="white" if k else f"C{k}")
        for v, rs in runs_by_value(records, factor, fw).items():
            s = summarise(rs)
            finals = [r["final"] for r in rs if r["final"]]
            label = FRAMEWORK_NAMES[fw] if v == factor.base_value else None
            for ax, key, mean, std in ((axes[0], "fid", s["fid"], s["fid_std"]),
                                       (axes[1], "digits_covered", s["digits"], s["digits_std"])):
                ax.errorbar([x[v] + off], [mean], [std], fmt="o", capsize=4, ms=7, label=label, **style)
                ax.plot([x[v] + off + 0.06] * len(finals), [f[key] for f in finals], ".", color=f"C{k}", alpha=.5)
            axes[2].bar(x[v] + off, s["n_diverged"] / s["n"], 0.2, color=f"C{k}", hatch="//", alpha=.8,
                        label=f"{FRAMEWORK_NAMES[fw]} diverged" if v == factor.base_value else None)
            axes[2].bar(x[v] + off, s["n_collapsed"] / s["n"], 0.2, bottom=s["n_diverged"] / s["n"], color=f"C{k}",
                        alpha=.4, label=f"{FRAMEWORK_NAMES[fw]} collapsed" if v == factor.base_value else None)
            axes[2].text(x[v] + off, (s["n_diverged"] + s["n_collapsed"]) / s["n"] + 0.02,
                         f"{s['n_diverged'] + s['n_collapsed']}/{s['n']}", ha="center", fontsize=7)
            if fw == "pytorch":
                curves = [r["checkpoints"] for r in rs if r["final"]]
                if curves:
                    epochs = [c["epoch"] for c in curves[0]]
                    fid = np.array([[c["fid"] for c in cs] for cs in curves])
                    axes[3].plot(epochs, fid.mean(0), "o-", color=f"C{x[v] + 2}", label=value_label(factor, v))
                    axes[3].fill_between(epochs, fid.min(0), fid.max(0), color=f"C{x[v] + 2}", alpha=.15)
    for ax in axes[:3]:
        ax.set_xticks(range(len(factor.values)), [value_label(factor, v) for v in factor.values])
        ax.set_xlim(-0.6, len(factor.values) - 0.4)
    axes[0].set(title="final FID (lower is better)", yscale="log")
    axes[1].axhline(COLLAPSE_DIGITS - 0.5, color="grey", ls="--", lw=1)
    axes[1].set(title=f"digits covered (collapse below {COLLAPSE_DIGITS})", ylim=(0, 10.5))
    axes[2].set(title="share of runs diverged / collapsed", ylim=(0, 1.12))
    axes[3].set(title="FID during training (PyTorch, seed range)", xlabel="epoch", yscale="log")
    axes[3].xaxis.set_major_locator(plt.MaxNLocator(integer=True))
    for ax in (axes[0], axes[2], axes[3]):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=7)
    fig.suptitle(f"{factor.label} — folk tip: {factor.folk_tip}", fontsize=10)
    fig.tight_layout()
    return fig


def main(argv=None) -> int:
    """``python -m gans_study.stability [RECORDS]``: the findings table of a sweep's records."""
    from .sweep import default_records
    records = Path(argv[0]) if argv else default_records("default")
    print(findings_table(load_records(records)))
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
