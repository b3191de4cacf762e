# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The stability study: which folk tips hold on MNIST?
#
# GAN training lore comes with tips: the non-saturating loss, one-sided label smoothing, a faster discriminator,
# batch norm in $D$, one $D$ step per $G$ step, large batches. Here each tip is one **factor**, varied alone around a
# base variant (the vanilla MLP preset; the DCGAN preset for batch norm), with **several seeds per point**, since a
# single GAN run says little about stability. Each run is short and scored by the study's yardstick after every
# epoch; a run **diverged** when a loss or weight became NaN/inf, and **collapsed** when its samples cover fewer
# than 8 digits at the end.
#
# The runs come from `python -m gans_study.sweep` (records in `results/stability/`, one JSON per run); this
# notebook only reads them. PyTorch runs every point, TensorFlow the base points, as a cross-check of the twins.
# The findings under each plot are written by code from the numbers, including where they contradict a tip.
#
# Caveats: runs are short (the default grid fits about 17 minutes on 2 CPU cores), so this is about *early*
# stability at a small budget, not about converged quality; the FID is the classifier-feature FID of 2000
# samples (biased upwards at small N, comparable only within this study, **not** Inception FID); three seeds give
# a rough spread, not a significance test. `python -m gans_study.sweep --grid full` is the larger grid for a
# GPU. Under `GANS_SMOKE=1` the committed records are read too; without them a seconds-long sweep runs into a
# temporary folder.

# %% [markdown]
# ## Setup

# %%
import matplotlib.pyplot as plt
from gans_study import compare, notebook, stability, sweep

paths = compare.output_paths()  # figures to images/ (a temporary folder under GANS_SMOKE=1)

# %% [markdown]
# ## The grid
# The base configs, the factor values, the seeds and the estimated cost of the default sweep (`gans_study/sweep.py`).

# %%
# NBVAL_CHECK_OUTPUT
# (nbval compares this output: identical in smoke and full runs)
print(sweep.describe("default"))

# %% [markdown]
# ## The records
# Read from `results/stability/`. If it holds none: under `GANS_SMOKE=1` a smoke sweep (512 images, 1 epoch) runs into a temporary folder; otherwise the default sweep runs here (its missing points only).

# %%
RECORDS = sweep.ensure_records()
records = stability.load_records(RECORDS)
print("smoke run" if notebook.smoke() else "full run", "reading", RECORDS)
print(stability.overview(records))

# %% [markdown]
# ## Discriminator steps per generator step
# Algorithm 1 of Goodfellow et al. (2014) trains $D$ for $k$ steps per step of $G$ and uses $k=1$ in its
# experiments; WGAN-GP's critic takes 5. An epoch here is one pass of $D$ over the data, so at a fixed number of
# epochs $k=5$ gives $G$ five times fewer steps: the comparison is at equal discriminator work.
#
# Left to right: final FID and digits covered (mean ± std over seeds, each seed a dot; PyTorch filled, TensorFlow open), the share of runs that diverged or collapsed, FID after each epoch. The line below the plot is the finding, computed from the records.

# %%
fig = stability.factor_figure(records, "k_steps")
fig.savefig(paths.images_dir / "stability_k_steps.png", dpi=80, bbox_inches="tight")
plt.show()
print(stability.finding(records, "k_steps"))

# %% [markdown]
# ## Saturating vs non-saturating generator loss
# The minimax loss $\mathbb{E}[\log(1-D(G(z)))]$ has a vanishing gradient when $D$ rejects the fakes
# confidently, which happens early; the non-saturating $-\mathbb{E}[\log D(G(z))]$ has the same fixed point and
# strong early gradients (Goodfellow et al. 2014, section 3). $D$'s loss is the same binary cross-entropy in both.
#
# Left to right: final FID and digits covered (mean ± std over seeds, each seed a dot; PyTorch filled, TensorFlow open), the share of runs that diverged or collapsed, FID after each epoch. The line below the plot is the finding, computed from the records.

# %%
fig = stability.factor_figure(records, "loss")
fig.savefig(paths.images_dir / "stability_loss.png", dpi=80, bbox_inches="tight")
plt.show()
print(stability.finding(records, "loss"))

# %% [markdown]
# ## One-sided label smoothing
# $D$'s target for real images is 0.9 instead of 1 (Salimans et al. 2016, section 3.4), which keeps $D$ from
# growing over-confident logits on real data; the target for fakes stays 0.
#
# Left to right: final FID and digits covered (mean ± std over seeds, each seed a dot; PyTorch filled, TensorFlow open), the share of runs that diverged or collapsed, FID after each epoch. The line below the plot is the finding, computed from the records.

# %%
fig = stability.factor_figure(records, "real_label")
fig.savefig(paths.images_dir / "stability_real_label.png", dpi=80, bbox_inches="tight")
plt.show()
print(stability.finding(records, "real_label"))

# %% [markdown]
# ## Learning rate of D relative to G
# $G$ keeps $2\cdot10^{-4}$; $D$ gets 1, 2 or 4 times that. The two time-scale update rule (Heusel et al. 2017)
# argues for a faster discriminator.
#
# Left to right: final FID and digits covered (mean ± std over seeds, each seed a dot; PyTorch filled, TensorFlow open), the share of runs that diverged or collapsed, FID after each epoch. The line below the plot is the finding, computed from the records.

# %%
fig = stability.factor_figure(records, "lr_ratio")
fig.savefig(paths.images_dir / "stability_lr_ratio.png", dpi=80, bbox_inches="tight")
plt.show()
print(stability.finding(records, "lr_ratio"))

# %% [markdown]
# ## Batch size
# Real (and fake) images per discriminator step. At a fixed number of epochs a batch of 256 makes four times
# fewer steps than one of 64, and 32 twice as many: the comparison is at equal data seen, not equal steps.
#
# Left to right: final FID and digits covered (mean ± std over seeds, each seed a dot; PyTorch filled, TensorFlow open), the share of runs that diverged or collapsed, FID after each epoch. The line below the plot is the finding, computed from the records.

# %%
fig = stability.factor_figure(records, "batch_size")
fig.savefig(paths.images_dir / "stability_batch_size.png", dpi=80, bbox_inches="tight")
plt.show()
print(stability.finding(records, "batch_size"))

# %% [markdown]
# ## Batch norm in the discriminator (DCGAN)
# The DCGAN preset puts batch norm after the discriminator's second convolution (Radford et al. 2016); `none`
# removes it, as WGAN-GP's critic must. This factor varies the DCGAN preset, the others the vanilla MLP one.
#
# Left to right: final FID and digits covered (mean ± std over seeds, each seed a dot; PyTorch filled, TensorFlow open), the share of runs that diverged or collapsed, FID after each epoch. The line below the plot is the finding, computed from the records.

# %%
fig = stability.factor_figure(records, "d_norm")
fig.savefig(paths.images_dir / "stability_d_norm.png", dpi=80, bbox_inches="tight")
plt.show()
print(stability.finding(records, "d_norm"))

# %% [markdown]
# ## PyTorch vs TensorFlow
# The base points in both frameworks: the same configs, so the twins should agree within the seed spread.

# %%
print(stability.framework_finding(records, "mlp"))
print(stability.framework_finding(records, "dcgan"))

# %% [markdown]
# ## Findings table
# Every point: FID and digits covered (mean ± std over seeds), how many runs collapsed and diverged. Base rows appear under each factor they stand for.

# %%
# NBVAL_CHECK_OUTPUT
# (nbval compares this output: identical in smoke and full runs)
print(stability.findings_table(records))
