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
# # One training step, two frameworks, the same numbers
#
# A comparison is only fair if "PyTorch DCGAN" and "TensorFlow DCGAN" are the same model trained the same way. Here the PyTorch nets' initial weights are copied into the Keras nets (`gans_common/transfer.py`: kernels transposed or permuted, NCHW vs NHWC), both take one full `train_step` (D step, then G step, with Adam) on the same real batch, noise and penalty weights, and the weights they end with are compared tensor by tensor. `tests/test_parity.py` checks the same for every architecture, loss and variant.
#
# This is the one notebook that holds both frameworks in one process: on the CPU only.

# %%
import os
os.environ["CUDA_VISIBLE_DEVICES"] = ""  # CPU: the frameworks' CUDA libraries must not share a process
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # none of its C++ logs in the outputs; errors still raise

import numpy as np
import torch
from gans_common.frameworks import torch_before_tensorflow
torch_before_tensorflow()  # the other order crashes
import tensorflow as tf

import gans_pt
import gans_tf
from gans_common import make_config, transfer

cfg = make_config("dcgan", batch_size=8)

# %% [markdown]
# ## Same initial weights
# The PyTorch nets initialise themselves; their weights go into the Keras nets.

# %%
# NBVAL_CHECK_OUTPUT
# (nbval compares this output: identical in smoke and full runs)
torch.manual_seed(0)
g_pt, d_pt = gans_pt.build_models(cfg)
g_tf, d_tf = gans_tf.build_models(cfg)
for net_pt, net_tf in ((g_pt, g_tf), (d_pt, d_tf)):
    state = {k: v.numpy() for k, v in net_pt.state_dict().items()}
    net_tf.set_weights(transfer.pt_to_tf(state, net_pt, cfg))
z = np.random.default_rng(1).standard_normal((4, cfg.z_dim)).astype(np.float32)
g_pt.eval()
out_pt = g_pt(torch.from_numpy(z)).detach().numpy().transpose(0, 2, 3, 1)  # NHWC
g_pt.train()
out_tf = g_tf(tf.constant(z), training=False).numpy()
print(f"generator outputs agree to 1e-5 (relative): {np.abs(out_pt - out_tf).max() / np.abs(out_pt).max() < 1e-5}")

# %% [markdown]
# ## One step on the same batch

# %%
rng, k, b = np.random.default_rng(0), cfg.k_steps, cfg.batch_size
reals = rng.uniform(-1, 1, (k, b, 1, 28, 28)).astype(np.float32)  # NCHW; TF gets NHWC
z_d = rng.standard_normal((k, b, cfg.z_dim)).astype(np.float32)
z_g = rng.standard_normal((cfg.g_batch, cfg.z_dim)).astype(np.float32)
alpha = rng.uniform(size=(k, b, 1, 1, 1)).astype(np.float32)
opts_pt, opts_tf = gans_pt.make_optimizers(g_pt, d_pt, cfg), gans_tf.make_optimizers(g_tf, d_tf, cfg)
loss_pt = gans_pt.train_step(g_pt, d_pt, *opts_pt, *map(torch.from_numpy, (reals, z_d, z_g, alpha)),
                             cfg).numpy()
step_tf = tf.function(lambda *batch: gans_tf.train_step(g_tf, d_tf, *opts_tf, *batch, cfg))
loss_tf = step_tf(*map(tf.constant, (reals.transpose(0, 1, 3, 4, 2), z_d, z_g, alpha))).numpy()
for name, a, b_ in zip(("D loss", "G loss"), loss_pt, loss_tf):
    print(f"{name}:  PyTorch {a:.7f}   TensorFlow {b_:.7f}   relative difference {abs(a - b_) / abs(a):.1e}")

# %% [markdown]
# ## Every tensor after the step
# Largest difference relative to the tensor's largest value. Batch norm's moving variance is the one expected difference: PyTorch updates it with the unbiased batch variance, Keras with the biased one (a factor n/(n-1); no setting aligns them).

# %%
rows, worst = [], 0.0
for name, net_pt, net_tf in (("G", g_pt, g_tf), ("D", d_pt, d_tf)):
    got = transfer.tf_to_pt([w.numpy() for w in net_tf.weights], net_tf, cfg)
    for key, want in net_pt.state_dict().items():
        if want.dtype.is_floating_point:
            want = want.numpy()
            diff = np.abs(got[key] - want).max() / (np.abs(want).max() + 1e-12)
            worst = worst if key.endswith("running_var") else max(worst, diff)
            rows.append(f"{name}.{key:<16} {str(want.shape):<18} {diff:.1e}")
print("\n".join(rows))

# %%
# NBVAL_CHECK_OUTPUT
# (nbval compares this output: identical in smoke and full runs)
print(f"losses agree to 1e-5: {bool(np.all(np.abs(loss_pt - loss_tf) <= 1e-5 * np.abs(loss_pt)))}")
print(f"all weights but the moving variances agree to 1e-4: {worst < 1e-4}")
