"""A short reading of one run's results, generated from its numbers: what a notebook's reader should look for.

Every sentence is chosen by a comparison of the run's own measurements (final metrics, the quality curve, the
real-data floor, the other framework's run); the thresholds are named here, the numbers come from the records.
"""
from __future__ import annotations

import numpy as np

TREND = 0.05       # a relative FID change between the last two curve points larger than this is a trend
PR_GAP = 0.1       # precision and recall further apart than this: one of them is the model's weakness
RARE_SHARE = 0.01  # a digit under this share of the samples is (nearly) missing
HEAVY_SHARE = 0.2  # a digit over this share (twice uniform) is over-represented


def _curve_sentence(curve: list[dict]) -> str:
    if len(curve) < 2:
        return ""
    a, b = curve[-2], curve[-1]
    change = (b["fid"] - a["fid"]) / a["fid"]
    between = f"from {a['fid']:.1f} after epoch {a['epoch']} to {b['fid']:.1f} after epoch {b['epoch']}"
    if change < -TREND:
        return (f"The FID was still falling when training stopped ({between}): this model has not reached its "
                f"plateau, and more epochs (`epochs=` in `notebook.setup`) would likely lower it.")
    if change > TREND:
        return (f"The FID rose at the end ({between}): training is oscillating; an earlier epoch's samples were "
                f"better (the GIF shows them).")
    return f"The FID had flattened ({between}): more of the same training would change little."


def _noun(m: dict) -> str:
    return "digit" if m.get("dataset", "mnist") == "mnist" else "item"  # Fashion-MNIST: clothing items


def _pr_sentence(m: dict, floor: dict) -> str:
    p, r, noun = m["precision"], m["recall"], _noun(m)
    head = (f"Precision {p:.2f} (real data: {floor['precision']:.2f}) is the share of samples that lie among real "
            f"{noun}s; recall {r:.2f} (real data: {floor['recall']:.2f}) the share of real {noun}s the samples reach.")
    if p < r - PR_GAP:
        return head + (f" Precision is the weaker: many samples are off the {noun}s' manifold; look in the grid for "
                       "broken, blotchy or blurred strokes.")
    if r < p - PR_GAP:
        return head + (f" Recall is the weaker: the samples look like {noun}s but cover less of their variety; look "
                       "for the same few shapes repeated.")
    return head + " Neither is much weaker than the other."


def _digits_sentence(m: dict) -> str:
    share = np.asarray(m["histogram"], float) / max(1, sum(m["histogram"]))
    rare = [str(d) for d in np.flatnonzero(share < RARE_SHARE)]
    heavy = [f"{d} ({share[d]:.0%})" for d in np.flatnonzero(share > HEAVY_SHARE)]
    most, least, noun = int(share.argmax()), int(share.argmin()), _noun(m)
    label = "digit" if noun == "digit" else "class"
    text = (f"By the classifier's reading, {label} {most} is the most common ({share[most]:.0%} of the samples) and "
            f"{least} the least ({share[least]:.1%}); uniform would be 10% each.")
    if rare:
        text += f" Mode collapse: {', '.join(rare)} {'is' if len(rare) == 1 else 'are'} (nearly) never drawn."
    elif heavy:
        text += f" Over-represented: {', '.join(heavy)}."
    return text


def reading(metrics: dict, floor: dict, curve: list[dict] | None = None, other: tuple[str, dict] | None = None) -> str:
    """Markdown: a few sentences on this run's ``metrics`` against the real-data ``floor``, its quality ``curve``
    and, if given, ``other = (framework name, its metrics)``."""
    parts = [f"**What to look for.** Classifier-FID {metrics['fid']:.1f}, {metrics['fid'] / floor['fid']:.0f}x the "
             f"real-data floor of {floor['fid']:.1f}.", _curve_sentence(curve or []), _pr_sentence(metrics, floor),
             _digits_sentence(metrics)]
    if other is not None:
        name, om = other
        parts.append(f"The {name} run of this variant scored FID {om['fid']:.1f}; whether the two frameworks differ "
                     f"beyond their seed spread is in the comparison notebook's table.")
    return " ".join(p for p in parts if p)
