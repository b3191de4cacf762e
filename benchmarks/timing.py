"""What one framework's child process measures (``run.py`` starts one process per framework: PyTorch and
TensorFlow in one process can crash). Everything returned is raw seconds and rates; ``run.py`` derives the figures.

- the framework's own float32 matmul rate: a large square product, the machine's floor rate, once at the start
  and then in turns with every model's steps (the ``matmul`` entry of ``time_alternating``), so that each model is
  compared with the rate of the same minutes; and one the size of a model layer, for context;
- per preset, seconds per training iteration of the package's ``Trainer`` (the whole training set on the device,
  a permutation index, one host sync per timed block) and of each alternative below, all timed in alternating
  blocks (``time_alternating``) so that every ratio compares like with like; on CUDA also the eager step, without
  the CUDA graph;
- PyTorch: the conventional loop on the same nets and batch: torchvision ``MNIST`` with per-item ``ToTensor`` +
  ``Normalize``, a ``DataLoader`` (shuffle, no worker processes), a host-to-device copy and ``.item()`` per step,
  and the step as tutorials write it (``conventional_train_step``);
- PyTorch on CPU: the package's two CPU choices, each against its alternative: the fused Adam against PyTorch's
  default Adam, and for the convolutional nets the channels-last (NHWC) layout against NCHW; and where the
  package's step spends its time (``profile_step``: matmul-type kernels, Adam, the rest);
- TensorFlow: the trainer with its step under ``tf.function(jit_compile=True)`` (XLA) and under plain
  ``tf.function``; ``step_seconds`` is the package's choice (``gans_tf.train._use_xla``);
- both: the levers toward the CPU tier's hour that no preset uses (``LEVERS``: the lazy gradient penalty, twice the
  batch), each as the preset's trainer with its config changed; and PyTorch on CPU: the step under bfloat16
  autocast (``autocast_trainer``), for CPUs with bfloat16 matrix units.
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
# Levers toward the hour that no preset uses, timed against the preset's step (speed only: their quality is the
# search's to measure): name -> (the presets it applies to, its config changes).
LEVERS = {"lazy_gp": (lambda cfg: cfg.loss == "wasserstein", dict(gp_every=4)),  # StyleGAN2 applies R1 every 16
          "batch128": (lambda cfg: cfg.arch == "dcgan", dict(batch_size=128))}   # fewer, larger products per image


def lever_configs(cfg) -> dict:
    """{lever name: ``cfg`` with its changes} for the levers of ``LEVERS`` that apply to ``cfg``."""
    return {name: cfg.replace(**changes) for name, (applies, changes) in LEVERS.items() if applies(cfg)}


def time_alternating(calls: dict, iters: int, warmup: int, rounds: int = 5) -> dict:
    """Seconds per call of each of ``calls`` (name -> (call(j), sync(outputs))): ``warmup`` (>= 1) untimed calls
    of each, then ``rounds`` rounds in which each runs a block of iters/rounds calls, synced once at its end; the
    median block of each. Alternating makes the ratios fair on a machine whose speed drifts during the run (this
    2-core VM's does, by up to a third within minutes). The warm-up seconds of each come back as ``<name>_warmup``."""
    block = max(1, iters // rounds)
    out = {}
    for name, (call, sync) in calls.items():
        t0 = time.perf_counter()
        sync([call(j) for j in range(warmup)])
        out[f"{name}_warmup"] = time.perf_counter() - t0
    times = {name: [] for name in calls}
    for r in range(rounds):
        for name, (call, sync) in calls.items():
            t0 = time.perf_counter()
            sync([call(warmup + r * block + j) for j in range(block)])
            times[name].append((time.perf_counter() - t0) / block)
    return out | {name: sorted(v)[len(v) // 2] for name, v in times.items()}


def matmul_calls(make, matmul, sync, rate: float, seconds: float = 0.05) -> tuple:
    """(call, sync) of the floor's (n, n) @ (n, n) product, repeated to take about ``seconds`` per call at
    ``rate``; ``call.flops`` is how many FLOPs one call does."""
    a, b = make(MATMUL_N, MATMUL_N), make(MATMUL_N, MATMUL_N)
    reps = max(1, round(seconds * rate / (2 * MATMUL_N ** 3)))

    def call(_):
        for _ in range(reps):
            c = matmul(a, b)
        return c

    call.flops = 2 * MATMUL_N ** 3 * reps
    return call, lambda outputs: sync(outputs[-1])


def trainer_calls(trainer) -> tuple:
    """(call, sync) of ``trainer.train_step`` over the first epoch's order (wrapping around), synced by to_numpy."""
    cfg = trainer.cfg
    steps = trainer.n_images // (cfg.k_steps * cfg.batch_size)
    trainer.start_epoch(loop.epoch_order(cfg, 0, trainer.n_images))
    return (lambda j: trainer.train_step(j % steps)), trainer.to_numpy


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

    def make(m, n):
        return torch.randn(m, n, device=device)

    def sync(c):  # one stream: waiting for c waits for all before it
        return float(c.reshape(-1)[0])

    info = dict(version=torch.__version__, torchvision=torchvision.__version__, threads=torch.get_num_threads(),
                float32_matmul_precision=torch.get_float32_matmul_precision(),
                matmul_flops_samples=[matmul_rate(make, torch.matmul, sync, MATMUL_N, MATMUL_N, MATMUL_N)],
                matmul_flops_layer_shape=matmul_rate(make, torch.matmul, sync, *LAYER_SHAPE))
    rows = []
    for variant in variants:
        cfg, images = _training_set(variant)
        ours = gans_pt.Trainer(cfg, images)
        trainers = dict(ours=ours)
        if device.type == "cuda":  # the same step without the CUDA graph
            trainers["eager"] = gans_pt.Trainer(cfg, images, compiled=False)
        if device.type == "cpu":
            trainers |= cpu_alternatives(cfg, images)
        trainers |= {name: gans_pt.Trainer(c, images) for name, c in lever_configs(cfg).items()}
        if device.type == "cpu":
            trainers["bf16"] = autocast_trainer(cfg, images)
        calls = {name: trainer_calls(t) for name, t in trainers.items()}
        calls["conventional"] = conventional_step(cfg, device), lambda out: None
        calls["matmul"] = matmul_calls(make, torch.matmul, sync, info["matmul_flops_samples"][0])
        secs = time_alternating(calls, iters, warmup)
        info["matmul_flops_samples"].append(calls["matmul"][0].flops / secs["matmul"])
        rows.append(dict(framework="pytorch", variant=variant, device=ours.device, step_seconds=secs.pop("ours"),
                         matmul_flops_per_call=calls["matmul"][0].flops,
                         **{f"{k}_seconds" if k.endswith("_warmup") else f"{k}_step_seconds": v
                            for k, v in secs.items()}))
        if device.type == "cpu":
            rows[-1] |= profile_step(calls["ours"], warmup + iters, max(1, iters // 5))
        del trainers, calls  # their copies of the training set
        _say(rows[-1])
    return info | dict(matmul_flops=max(info["matmul_flops_samples"])), rows


# PyTorch's CPU ops that run the counted (matmul-type) work; aten::_convolution's own time is the transposed
# convolutions' oneDNN kernel (it has no aten op of its own), aten::convolution_backward's the backward kernels.
MATMUL_OPS = ("aten::mm", "aten::addmm", "aten::bmm", "aten::mkldnn_convolution", "aten::_convolution",
              "aten::convolution_backward")
ADAM_OPS = ("aten::_fused_adam_",)


def profile_step(calls: tuple, start: int, n: int) -> dict:
    """Seconds per iteration that ``n`` more calls of the step spend in matmul-type kernels and in Adam, by
    ``torch.profiler`` (each op's own time on the calling thread, which waits for its intra-op threads), and the
    profiled iteration's wall time. The profiler adds a little time per op, so the shares are of the profiled
    step; the kernels' own times are what it measures best."""
    from torch.profiler import ProfilerActivity, profile

    call, sync = calls
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        t0 = time.perf_counter()
        sync([call(start + j) for j in range(n)])
        wall = time.perf_counter() - t0

    def own(names):
        return sum(e.self_cpu_time_total for e in prof.key_averages() if e.key in names) / 1e6 / n

    return dict(profiled_step_seconds=wall / n, matmul_kernel_seconds=own(MATMUL_OPS), adam_seconds=own(ADAM_OPS))


def cpu_alternatives(cfg, images) -> dict:
    """The package's CPU trainer with one choice undone each: PyTorch's default Adam (single-tensor on CPU)
    instead of the fused one, and NCHW instead of channels-last (convolutional nets only)."""
    import torch

    import gans_pt

    default_adam = gans_pt.Trainer(cfg, images)
    default_adam.opt_g, default_adam.opt_d = tutorial_optimizers(default_adam.G, default_adam.D, cfg)
    trainers = dict(default_adam=default_adam)
    if cfg.arch == "dcgan":
        trainers["nchw"] = gans_pt.Trainer(cfg, images)
        for net in (trainers["nchw"].G, trainers["nchw"].D):
            net.to(memory_format=torch.contiguous_format)
    return trainers


def autocast_trainer(cfg, images):
    """The package's CPU trainer with its step under ``torch.autocast("cpu", torch.bfloat16)``: matrix products and
    convolutions in bfloat16 (AMX or AVX-512 BF16 units where the CPU has them), weights and Adam in float32."""
    import torch

    import gans_pt

    class AutocastTrainer(gans_pt.Trainer):
        def _step(self, gp_weights):
            with torch.autocast("cpu", dtype=torch.bfloat16):
                return super()._step(gp_weights).float()  # the losses, which autocast may leave in bfloat16

    return AutocastTrainer(cfg, images)


def tutorial_optimizers(G, D, cfg):
    """PyTorch's default Adam for each net, as tutorials build it (single-tensor on CPU, foreach on CUDA)."""
    import torch

    return tuple(torch.optim.Adam(net.parameters(), lr=lr, betas=(cfg.beta1, cfg.beta2))
                 for net, lr in ((G, cfg.lr_g), (D, cfg.lr_d)))


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
    opt_g, opt_d = tutorial_optimizers(G, D, cfg)
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

    def make(m, n):
        return tf.random.normal((m, n))

    def sync(c):
        return float(c[0, 0])

    with tf.device(device):
        info = dict(version=tf.__version__, keras=keras.__version__,
                    tensor_float_32=tf.config.experimental.tensor_float_32_execution_enabled(),
                    matmul_flops_samples=[matmul_rate(make, tf.linalg.matmul, sync, MATMUL_N, MATMUL_N, MATMUL_N)],
                    matmul_flops_layer_shape=matmul_rate(make, tf.linalg.matmul, sync, *LAYER_SHAPE))
    rows = []
    for variant in variants:
        cfg, images = _training_set(variant)
        ours = gans_tf.Trainer(cfg, images)  # the package's choice of XLA or not
        calls = dict(ours=trainer_calls(ours))
        row = dict(framework="tensorflow", variant=variant, device=ours.device, xla=ours.compiled)
        other = gans_tf.Trainer(cfg, images, compiled=not ours.compiled)  # the other choice, for the ratio
        try:
            calls["other"] = trainer_calls(other)
            calls["other"][1]([calls["other"][0](0)])  # compiles now
        except Exception as err:  # a step XLA cannot compile is a finding, not a reason to stop
            calls.pop("other", None)
            row["xla_error"] = f"{type(err).__name__}: {(str(err).strip().splitlines() or [''])[0][:300]}"
        levers = {name: gans_tf.Trainer(c, images) for name, c in lever_configs(cfg).items()}
        calls |= {name: trainer_calls(t) for name, t in levers.items()}
        with tf.device(device):
            calls["matmul"] = matmul_calls(make, tf.linalg.matmul, sync, info["matmul_flops_samples"][0])
            secs = time_alternating(calls, iters, warmup)
        info["matmul_flops_samples"].append(calls["matmul"][0].flops / secs["matmul"])
        row |= dict(step_seconds=secs["ours"], warmup_seconds=secs["ours_warmup"], matmul_step_seconds=secs["matmul"],
                    matmul_flops_per_call=calls["matmul"][0].flops)
        row |= {f"{name}_step_seconds": secs[name] for name in levers}
        if "other" in secs:
            row["xla_step_seconds"], row["function_step_seconds"] = ((secs["ours"], secs["other"]) if row["xla"] else
                                                                     (secs["other"], secs["ours"]))
        del ours, other, levers, calls
        rows.append(row)
        _say(row)
    return info | dict(matmul_flops=max(info["matmul_flops_samples"])), rows


MEASURE = {"pytorch": pytorch, "tensorflow": tensorflow}
