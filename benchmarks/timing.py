"""What one framework's child process measures (``run.py`` starts one process per framework: PyTorch and
TensorFlow in one process can crash). Everything returned is raw seconds and rates; ``run.py`` derives the figures.

- the framework's own float32 matmul rate (a large square product: the machine's floor rate, measured before
  every model and reported as the best of those samples; and one the size of a model layer, for context);
- per preset, seconds per training iteration of the package's ``Trainer`` (the whole training set on the device,
  a permutation index, one host sync at the end); on CUDA also its eager step, without the CUDA graph;
- PyTorch: the conventional loop on the same nets and batch: torchvision ``MNIST`` with per-item ``ToTensor`` +
  ``Normalize``, a ``DataLoader`` (shuffle, no worker processes), a host-to-device copy and ``.item()`` per step,
  and the step as tutorials write it (``conventional_train_step``);
- PyTorch on CPU: the package's two CPU choices, each against its alternative, timed in alternating blocks
  (``time_alternating``): the fused Adam against PyTorch's default Adam, and for the convolutional nets the
  channels-last (NHWC) layout against NCHW;
- TensorFlow: the trainer with its step under ``tf.function(jit_compile=True)`` (XLA) and under plain
  ``tf.function``; ``step_seconds`` is the package's choice (``gans_tf.train._use_xla``).
"""
from __future__ import annotations

import itertools
import math
import tempfile
import time
from pathlib import Path

from gans_common import loop, mnist
from gans_common.config import make_config

MATMUL_N = 2048               # (n, n) @ (n, n) float32: the machine's matmul rate
LAYER_SHAPE = (64, 784, 512)  # (m, k, n): a batch through the MLP discriminator's first layer


def time_calls(call, sync, iters: int, warmup: int) -> tuple[float, float]:
    """(seconds of the warm-up, seconds per call) of ``call(j)``: ``warmup`` (>= 1) calls, then ``iters`` timed
    calls; ``sync(outputs)`` waits for the device once after the warm-up and once at the end, never in between."""
    t0 = time.perf_counter()
    sync([call(j) for j in range(warmup)])
    t1 = time.perf_counter()
    out = [call(warmup + j) for j in range(iters)]
    sync(out)
    return t1 - t0, (time.perf_counter() - t1) / iters


def time_alternating(trainers: dict, cfg, iters: int, warmup: int, rounds: int = 5) -> dict:
    """Seconds per iteration of each of ``trainers`` (name -> Trainer of ``cfg``), timed in ``rounds`` alternating
    blocks of about iters/rounds iterations; the median block of each. Alternating makes the ratios fair on a
    machine whose speed drifts during the run (this 2-core VM's does, by up to a third)."""
    block = max(1, iters // rounds)
    n_images = next(iter(trainers.values())).n_images
    steps, order = n_images // (cfg.k_steps * cfg.batch_size), loop.epoch_order(cfg, 0, n_images)
    for t in trainers.values():
        t.start_epoch(order)
        t.to_numpy([t.train_step(j) for j in range(warmup)])
    times = {name: [] for name in trainers}
    for r in range(rounds):
        for name, t in trainers.items():
            times[name].append(time_calls(lambda j: t.train_step((warmup + r * block + j) % steps), t.to_numpy,
                                          block, 1)[1])
    return {name: sorted(v)[len(v) // 2] for name, v in times.items()}


def matmul_rate(make, matmul, sync, m: int, k: int, n: int, min_seconds: float = 1.0) -> float:
    """FLOP/s of a float32 (m, k) @ (k, n) product repeated for about ``min_seconds``; sync(c) waits for c."""
    a, b = make(m, k), make(k, n)
    sync(matmul(a, b))  # warm-up (library initialisation)
    t0 = time.perf_counter()
    sync(matmul(a, b))
    reps = max(3, math.ceil(min_seconds / max(time.perf_counter() - t0, 1e-7)))
    t0 = time.perf_counter()
    for _ in range(reps):
        c = matmul(a, b)
    sync(c)
    return 2 * m * k * n * reps / (time.perf_counter() - t0)


def time_trainer(trainer, cfg, iters: int, warmup: int) -> tuple[float, float]:
    """time_calls of ``trainer.train_step`` over the first epoch's order (wrapping around), synced by to_numpy."""
    steps = trainer.n_images // (cfg.k_steps * cfg.batch_size)
    trainer.start_epoch(loop.epoch_order(cfg, 0, trainer.n_images))
    return time_calls(lambda j: trainer.train_step(j % steps), trainer.to_numpy, iters, warmup)


def _training_set(variant):
    cfg = make_config(variant)
    return cfg, loop.select_images(*mnist.load_mnist("train"), cfg)


def _say(row):
    extra = "".join(f", {key.replace('_step_seconds', '')} {row[key] * 1e3:.1f} ms" for key in row
                    if key.endswith("_step_seconds"))
    print(f"  {row['framework']}/{row['variant']}: {row['step_seconds'] * 1e3:.1f} ms/iteration{extra}", flush=True)


def pytorch(variants: list[str], iters: int, warmup: int) -> tuple[dict, list[dict]]:
    import torch
    import torchvision

    import gans_pt

    device = gans_pt.pick_device()
    make = lambda m, n: torch.randn(m, n, device=device)  # noqa: E731
    sync = lambda c: float(c.reshape(-1)[0])  # noqa: E731  (one stream: waiting for c waits for all before it)
    info = dict(version=torch.__version__, torchvision=torchvision.__version__, threads=torch.get_num_threads(),
                float32_matmul_precision=torch.get_float32_matmul_precision(),
                matmul_flops_samples=[matmul_rate(make, torch.matmul, sync, MATMUL_N, MATMUL_N, MATMUL_N)],
                matmul_flops_layer_shape=matmul_rate(make, torch.matmul, sync, *LAYER_SHAPE))
    rows = []
    for variant in variants:
        if rows:  # the rate again before every model: the machine's speed drifts during a run
            info["matmul_flops_samples"].append(matmul_rate(make, torch.matmul, sync, MATMUL_N, MATMUL_N, MATMUL_N))
        cfg, images = _training_set(variant)
        trainer = gans_pt.Trainer(cfg, images)
        warm, secs = time_trainer(trainer, cfg, iters, warmup)
        row = dict(framework="pytorch", variant=variant, device=trainer.device, step_seconds=secs,
                   warmup_seconds=warm)
        del trainer  # its copy of the training set
        if device.type == "cuda":  # the same step without the CUDA graph
            _, row["eager_step_seconds"] = time_trainer(gans_pt.Trainer(cfg, images, compiled=False), cfg, iters,
                                                        warmup)
        row["conventional_warmup_seconds"], row["conventional_step_seconds"] = time_calls(
            conventional_step(cfg, device), lambda out: None, iters, warmup)
        if device.type == "cpu":
            row |= {f"choice_{name}_step_seconds": secs for name, secs in time_alternating(
                cpu_alternatives(gans_pt.Trainer(cfg, images), cfg, images), cfg, iters, warmup).items()}
        rows.append(row)
        _say(rows[-1])
    return info | dict(matmul_flops=max(info["matmul_flops_samples"])), rows


def cpu_alternatives(ours, cfg, images) -> dict:
    """The package's CPU trainer and, beside it, the same trainer with one choice undone each: PyTorch's default
    Adam (single-tensor on CPU) instead of the fused one, and NCHW instead of channels-last (convolutional nets)."""
    import torch

    import gans_pt

    default_adam = gans_pt.Trainer(cfg, images)
    default_adam.opt_g, default_adam.opt_d = (
        torch.optim.Adam(net.parameters(), lr=lr, betas=(cfg.beta1, cfg.beta2), eps=1e-8)
        for net, lr in ((default_adam.G, cfg.lr_g), (default_adam.D, cfg.lr_d)))
    trainers = dict(ours=ours, default_adam=default_adam)
    if cfg.arch == "dcgan":
        trainers["nchw"] = gans_pt.Trainer(cfg, images)
        for net in (trainers["nchw"].G, trainers["nchw"].D):
            net.to(memory_format=torch.contiguous_format)
    return trainers


def conventional_step(cfg, device):
    """One iteration of the usual PyTorch recipe on the ``gans_pt`` nets, as a function of the step index."""
    import torch
    import torchvision
    from torch.utils.data import DataLoader
    from torchvision import transforms

    import gans_pt

    cache = mnist.fetch_mnist(quiet=True)  # the verified IDX files, linked where torchvision looks for them
    with tempfile.TemporaryDirectory() as root:
        raw = Path(root, "MNIST", "raw")
        raw.mkdir(parents=True)
        for name in mnist.FILES:
            (raw / name).symlink_to(cache / name)
        to_input = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
        dataset = torchvision.datasets.MNIST(root, train=True, transform=to_input, download=False)  # reads now
    loader = DataLoader(dataset, batch_size=cfg.batch_size, shuffle=True, num_workers=0, drop_last=True)
    batches = itertools.chain.from_iterable(itertools.repeat(loader))  # epoch after epoch
    torch.manual_seed(cfg.seed)
    G, D = (net.to(device) for net in gans_pt.build_models(cfg))
    opt_g, opt_d = (torch.optim.Adam(net.parameters(), lr=lr, betas=(cfg.beta1, cfg.beta2))  # PyTorch's default
                    for net, lr in ((G, cfg.lr_g), (D, cfg.lr_d)))                    # Adam, as tutorials build it
    k, b = cfg.k_steps, cfg.batch_size

    def step(_):
        reals = torch.stack([next(batches)[0] for _ in range(k)]).to(device)  # (k, B, 1, 28, 28)
        z_d = torch.randn(k, b, cfg.z_dim, device=device)
        alpha = torch.rand(k, b, 1, 1, 1, device=device)
        z_g = torch.randn(cfg.g_batch, cfg.z_dim, device=device)
        losses = conventional_train_step(G, D, opt_g, opt_d, reals, z_d, z_g, alpha, cfg)
        return losses[0].item(), losses[1].item()  # a host sync per step, for logging

    return step


def conventional_train_step(G, D, opt_g, opt_d, reals, z_d, z_g, alpha, cfg):
    """The step as tutorials write it (e.g. the PyTorch DCGAN tutorial): D called on the real and the fake batch
    separately, and the G step's backward also filling D's weight gradients. The same maths as
    ``gans_pt.train_step``, which saves both (one D call where D has no batch norm; D frozen in the G step)."""
    import torch

    from gans_pt.losses import LOSSES, gradient_penalty

    d_loss_fn, g_loss_fn = LOSSES[cfg.loss]
    for real, z, a in zip(reals, z_d, alpha):
        fake = G(z).detach()
        d_loss = d_loss_fn(D(real), D(fake), cfg.real_label)
        if cfg.loss == "wasserstein":
            d_loss = d_loss + gradient_penalty(D, real, fake, a, cfg.gp_weight)
        opt_d.zero_grad()
        d_loss.backward()
        opt_d.step()
    g_loss = g_loss_fn(D(G(z_g)))
    opt_g.zero_grad()
    g_loss.backward()
    opt_g.step()
    return torch.stack([d_loss.detach(), g_loss.detach()])


def tensorflow(variants: list[str], iters: int, warmup: int) -> tuple[dict, list[dict]]:
    import gans_tf  # first: it quietens TensorFlow's C++ logs before TensorFlow loads

    import keras
    import tensorflow as tf

    device = gans_tf.pick_device()
    make = lambda m, n: tf.random.normal((m, n))  # noqa: E731
    sync = lambda c: float(c[0, 0])  # noqa: E731
    with tf.device(device):
        info = dict(version=tf.__version__, keras=keras.__version__,
                    tensor_float_32=tf.config.experimental.tensor_float_32_execution_enabled(),
                    matmul_flops_samples=[matmul_rate(make, tf.linalg.matmul, sync, MATMUL_N, MATMUL_N, MATMUL_N)],
                    matmul_flops_layer_shape=matmul_rate(make, tf.linalg.matmul, sync, *LAYER_SHAPE))
    rows = []
    for variant in variants:
        if rows:
            with tf.device(device):
                info["matmul_flops_samples"].append(matmul_rate(make, tf.linalg.matmul, sync, MATMUL_N, MATMUL_N,
                                                                MATMUL_N))
        cfg, images = _training_set(variant)
        trainer = gans_tf.Trainer(cfg, images)  # the package's choice of XLA or not
        warm, secs = time_trainer(trainer, cfg, iters, warmup)
        row = dict(framework="tensorflow", variant=variant, device=trainer.device, step_seconds=secs,
                   warmup_seconds=warm, xla=trainer.compiled)
        del trainer
        try:  # the other choice, for the ratio
            other = gans_tf.Trainer(cfg, images, compiled=not row["xla"])
            _, other_secs = time_trainer(other, cfg, iters, warmup)
            row["xla_step_seconds"], row["function_step_seconds"] = ((secs, other_secs) if row["xla"] else
                                                                     (other_secs, secs))
        except Exception as err:  # a step XLA cannot compile is a finding, not a reason to stop
            row["xla_error"] = f"{type(err).__name__}: {(str(err).strip().splitlines() or [''])[0][:300]}"
        rows.append(row)
        _say(row)
    return info | dict(matmul_flops=max(info["matmul_flops_samples"])), rows


MEASURE = {"pytorch": pytorch, "tensorflow": tensorflow}
