"""Summaries over seeds, one definition for every table of the study."""
from __future__ import annotations

import math

import numpy as np


def mean_std(values) -> tuple[float, float]:
    """(mean, sample std with n - 1) of the values that are not None; std 0 for one value, (nan, nan) for none."""
    xs = np.asarray([x for x in values if x is not None], float)
    if len(xs) == 0:
        return math.nan, math.nan
    return float(xs.mean()), float(xs.std(ddof=1)) if len(xs) > 1 else 0.0


def format_mean_std(values, fmt: str = "{:.1f}") -> str:
    """'mean ± std' over seeds, each formatted with ``fmt``; the plain value for one seed."""
    values = list(values)
    mean, std = mean_std(values)
    return fmt.format(mean) if len(values) == 1 else f"{fmt.format(mean)} ± {fmt.format(std)}"
