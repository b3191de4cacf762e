"""Write notebooks/stability.ipynb, the stability study's notebook (it reads the sweep's records; no training when
they exist).

    python tools/make_stability_notebook.py            # rewrites notebooks/stability.ipynb (unexecuted)
    python tools/make_stability_notebook.py --execute  # ... and executes it in place, outputs kept (as committed)

Make the records first: ``python -m gans_common.sweep`` (results/stability/, about 17 min on 2 CPU cores).
"""
import argparse
import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from gans_common import notebook

ROOT = Path(__file__).resolve().parent.parent
PATH = ROOT / "notebooks" / "stability.ipynb"
CHECK = "# NBVAL_CHECK_OUTPUT: identical in smoke and full runs\n"

FACTOR_NOTES = {  # what each factor changes, and what to keep in mind reading it (no results here: those are computed)
    "k_steps": ("Discriminator steps per generator step", r"""
Algorithm 1 of Goodfellow et al. (2014) trains $D$ for $k$ steps per step of $G$ and uses $k=1$ in its
experiments; WGAN-GP's critic takes 5. An epoch here is one pass of $D$ over the data, so at a fixed number of
epochs $k=5$ gives $G$ five times fewer steps: the comparison is at equal discriminator work."""),
    "loss": ("Saturating vs non-saturating generator loss", r"""
The minimax loss $\mathbb{E}[\log(1-D(G(z)))]$ has a vanishing gradient when $D$ rejects the fakes
confidently, which happens early; the non-saturating $-\mathbb{E}[\log D(G(z))]$ has the same fixed point and
strong early gradients (Goodfellow et al. 2014, section 3). $D$'s loss is the same binary cross-entropy in both."""),
    "real_label": ("One-sided label smoothing", r"""
$D$'s target for real images is 0.9 instead of 1 (Salimans et al. 2016, section 3.4), which keeps $D$ from
growing over-confident logits on real data; the target for fakes stays 0."""),
    "lr_ratio": ("Learning rate of D relative to G", r"""
$G$ keeps $2\cdot10^{-4}$; $D$ gets 1, 2 or 4 times that. The two time-scale update rule (Heusel et al. 2017)
argues for a faster discriminator."""),
    "batch_size": ("Batch size", r"""
Real (and fake) images per discriminator step. At a fixed number of epochs a batch of 256 makes four times
fewer steps than one of 64, and 32 twice as many: the comparison is at equal data seen, not equal steps."""),
    "d_norm": ("Batch norm in the discriminator (DCGAN)", r"""
The DCGAN preset puts batch norm after the discriminator's second convolution (Radford et al. 2016); `none`
removes it, as WGAN-GP's critic must. This factor varies the DCGAN preset, the others the vanilla MLP one."""),
}


def cells() -> list:
    out = [
        new_markdown_cell(r"""# The stability study: which folk tips hold on MNIST?

GAN training lore comes with tips: the non-saturating loss, one-sided label smoothing, a faster discriminator,
batch norm in $D$, one $D$ step per $G$ step, large batches. Here each tip is one **factor**, varied alone around a
base variant (the vanilla MLP preset; the DCGAN preset for batch norm), with **several seeds per point**, since a
single GAN run says little about stability. Each run is short and scored by the study's yardstick after every
epoch; a run **diverged** when a loss or weight became NaN/inf, and **collapsed** when its samples cover fewer
than 8 digits at the end.

The runs come from `python -m gans_common.sweep` (records in `results/stability/`, one JSON per run); this
notebook only reads them. PyTorch runs every point, TensorFlow the base points, as a cross-check of the twins.
The findings under each plot are written by code from the numbers, including where they contradict a tip.

Caveats: runs are short (the default grid fits about 17 minutes on 2 CPU cores), so this is about *early*
stability at a small budget, not about converged quality; the FID is the classifier-feature FID of 2000
samples (biased upwards at small N, comparable only within this study, **not** Inception FID); three seeds give
a rough spread, not a significance test. `python -m gans_common.sweep --grid full` is the larger grid for a
GPU. Under `GANS_SMOKE=1` the committed records are read too; without them a seconds-long sweep runs into a
temporary folder."""),
        new_markdown_cell("## Setup"),
        new_code_cell("import matplotlib.pyplot as plt\n"
                      "from gans_common import compare, notebook, stability, sweep\n\n"
                      "paths = compare.output_paths()  # figures to images/ (a temporary folder under GANS_SMOKE=1)"),
        new_markdown_cell("## The grid\nThe base configs, the factor values, the seeds and the estimated cost of "
                          "the default sweep (`gans_common/sweep.py`)."),
        new_code_cell(CHECK + 'print(sweep.describe("default"))'),
        new_markdown_cell("## The records\nRead from `results/stability/`. If it holds none: under `GANS_SMOKE=1` "
                          "a smoke sweep (512 images, 1 epoch) runs into a temporary folder; otherwise the default "
                          "sweep runs here (its missing points only)."),
        new_code_cell("RECORDS = sweep.ensure_records()\n"
                      "records = stability.load_records(RECORDS)\n"
                      'print("smoke run" if notebook.smoke() else "full run", "reading", RECORDS)\n'
                      "print(stability.overview(records))"),
    ]
    for name, (title, text) in FACTOR_NOTES.items():
        out += [
            new_markdown_cell(f"## {title}\n{text.strip()}\n\nLeft to right: final FID and digits covered (mean ± "
                              "std over seeds, each seed a dot; PyTorch filled, TensorFlow open), the share of "
                              "runs that diverged or collapsed, FID after each epoch. The line below the plot is "
                              "the finding, computed from the records."),
            new_code_cell(f'fig = stability.factor_figure(records, "{name}")\n'
                          f'fig.savefig(paths.images_dir / "stability_{name}.png", dpi=80, bbox_inches="tight")\n'
                          "plt.show()\n"
                          f'print(stability.finding(records, "{name}"))'),
        ]
    out += [
        new_markdown_cell("## PyTorch vs TensorFlow\nThe base points in both frameworks: the same configs, so "
                          "the twins should agree within the seed spread."),
        new_code_cell('print(stability.framework_finding(records, "mlp"))\n'
                      'print(stability.framework_finding(records, "dcgan"))'),
        new_markdown_cell("## Findings table\nEvery point: FID and digits covered (mean ± std over seeds), how many "
                          "runs collapsed and diverged. Base rows appear under each factor they stand for."),
        new_code_cell(CHECK + "print(stability.findings_table(records))"),
    ]
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--execute", action="store_true", help="execute it in place afterwards (reads the records; "
                        "runs the default sweep first if results/stability/ holds none)")
    args = parser.parse_args()
    nb = new_notebook(cells=cells(), metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.write(nb, PATH)
    print(PATH.relative_to(ROOT))
    if args.execute:
        if notebook.smoke():
            sys.exit("error: GANS_SMOKE is set; unset it to execute the notebook for committing")
        print(f"executed in {notebook.execute(PATH):.0f} s")


if __name__ == "__main__":
    main()
