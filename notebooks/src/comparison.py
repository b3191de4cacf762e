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
# # All eight models side by side
#
# Reads the run records and samples that the eight per-variant notebooks saved in `results/` (no training, no framework imported) and renders the cross-framework, cross-variant panels into `images/`. A missing run is named with the notebook that makes it.

# %%
# NBVAL_CHECK_OUTPUT
# (nbval compares this output: identical in smoke and full runs)
from gans_study import compare
from gans_study.evaluate import real_floor
from gans_study.memorisation import real_share

paths = compare.output_paths()
results = compare.load_all(paths.committed_results)
print(compare.missing_message(results))

# %% [markdown]
# ## Samples from the same fixed noise
# Each variant's PyTorch and TensorFlow runs side by side; both frameworks sample the same 100 noise vectors.

# %%
fig = compare.samples_figure(results)
fig.savefig(paths.images_dir / "comparison_samples.png", dpi=80, bbox_inches="tight")

# %% [markdown]
# ## Latent interpolation
# Each model's samples along the great circle between the same fixed pairs of latent vectors (one row per pair; `gans_study/interpolation.py`): smooth morphs through plausible digits mean a smooth map, jumps a look-up table.

# %%
fig = compare.interpolation_figure(results)
fig.savefig(paths.images_dir / "comparison_interpolation.png", dpi=80, bbox_inches="tight")

# %% [markdown]
# ## Loss curves, the two frameworks overlaid

# %%
fig = compare.losses_figure(results)
fig.savefig(paths.images_dir / "comparison_losses.png", dpi=80, bbox_inches="tight")

# %% [markdown]
# ## Progress over training
# The first ten fixed-noise samples after each epoch (left to right: epoch 1, 2, ...).

# %%
fig = compare.progress_figure(results)
fig.savefig(paths.images_dir / "comparison_progress.png", dpi=80, bbox_inches="tight")

# %% [markdown]
# ## The yardstick
# Classifier-feature FID (lower is better), KID, precision/recall (k=3), digits covered and KL to uniform of the predicted digits, and copies (px): the share of samples closer to a training image in pixels than 99% of real test digits are (about 0.01 means no copying; per-variant notebooks show the neighbours); the floor row scores 10k real training images against the test set the same way, and its copies are held-out test digits' own share (the calibration). These are **not** Inception FIDs and are not comparable with papers' numbers.

# %%
# NBVAL_CHECK_OUTPUT
# (nbval compares this output: identical in smoke and full runs)
seeds = compare.load_seeds(paths.committed_results)
print(compare.metrics_table(seeds, real_floor() | {"memorised_pixel": real_share()}))

# %% [markdown]
# Mean ± standard deviation over the seeds in `results/` (`python tools/run_study.py --seeds 3`). Where the two frameworks' means of a variant differ by more than their seed spread:

# %%
# NBVAL_CHECK_OUTPUT
# (nbval compares this output: identical in smoke and full runs)
print("\n".join(compare.spread_differences(seeds)) or "fewer than two seeds per model")

# %% [markdown]
# ## Quality during training
# The same metric on 5k samples after a few epochs of each run: against generator steps (mean over seeds, band from best to worst seed) and against training seconds (evaluation time excluded; the seconds of the device named). Where a curve flattens, more training buys little: the presets' budgets are set there.

# %%
fig = compare.curves_figure(seeds)
fig.savefig(paths.images_dir / "comparison_curves.png", dpi=80, bbox_inches="tight")
