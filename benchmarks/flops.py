"""FLOPs per training iteration (k discriminator steps + 1 generator step), counted from the layer shapes.

Only matmul-type work is counted: dense layers, convolutions and transposed convolutions, 2 FLOPs per
multiply-add. Bias adds, activations, batch norm, losses, random numbers, the data gather and the Adam updates are
not counted (elementwise, memory-bound work). Per sample:

- dense ``2 * in * out``; convolution ``2 * Cin * Cout * kh * kw * Hout * Wout``; transposed convolution the same
  with the *input* spatial positions ``Hin * Win`` (each input position scatters one kh x kw x Cout patch);
- backward costs 1x forward for the weight gradients and 1x for the input gradients, per layer; the first layer of
  a net needs no input gradient when its input is data or noise (no gradient flows further);
- discriminator step: G forward on B noise vectors (no backward into G), D forward on B real + B fake images,
  D backward (weight gradients, input gradients of all but the first layer) on both;
- generator step: G forward and backward on B_g vectors, D forward and input gradients of every layer down to the
  image (D's weight gradients are not needed: TensorFlow prunes them, ``gans_pt.train_step`` freezes D);
- WGAN-GP adds, per critic step and sample, the gradient penalty on x_hat, counted as **2x the critic's forward +
  backward** (F the critic's forward FLOPs, backward 2F): 6F. That is what PyTorch executes (``FlopCounterMode``:
  2F for the forward and the gradient w.r.t. x_hat, 4F for the double backward). The strict minimum is ~4F: the
  double backward of a linear layer's input-gradient matmul needs only its weight gradient and its incoming-gradient
  gradient (2F in all), since LeakyReLU masks have zero derivative; autograd also sends zeros back through the
  forward graph.

``python benchmarks/flops.py`` prints the counts per preset and checks the per-layer forward counts against
PyTorch's own ``FlopCounterMode`` on the ``gans_pt`` nets.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # this checkout's code, not an editable install's

from gans_common import architectures  # noqa: E402
from gans_common.config import PRESETS, GANConfig, make_config  # noqa: E402


def generator_layers(cfg: GANConfig) -> list[int]:
    """Forward FLOPs per sample of each matmul-type layer of the generator, input to output (from its layer table)."""
    net = "MLPGenerator" if cfg.arch == "mlp" else "DCGANGenerator"
    return architectures.forward_flops(architectures.layers(net, cfg.z_dim, cfg.width, cfg.d_norm, cfg.extra_convs))


def discriminator_layers(cfg: GANConfig) -> list[int]:
    """Forward FLOPs per sample of each matmul-type layer of the discriminator, input to output."""
    net = "MLPDiscriminator" if cfg.arch == "mlp" else "DCGANDiscriminator"
    return architectures.forward_flops(architectures.layers(net, cfg.z_dim, cfg.d_width, cfg.d_norm, cfg.extra_convs))


def step_flops(cfg: GANConfig) -> dict[str, int]:
    """FLOPs of one training iteration of ``cfg``: the parts of one D step, the G step, and the total."""
    g, d = generator_layers(cfg), discriminator_layers(cfg)
    fg, fd = sum(g), sum(d)
    b, bg, k = cfg.batch_size, cfg.g_batch, cfg.k_steps
    d_step = b * fg + 2 * b * (fd + (2 * fd - d[0]))  # G fwd; D fwd + bwd (no input grad at layer 1) on real, fake
    penalty = b * 2 * (fd + 2 * fd) if cfg.loss == "wasserstein" else 0  # 2x (critic fwd + bwd) on x_hat
    g_step = bg * (fg + (2 * fg - g[0]) + fd + fd)  # G fwd + bwd; D fwd + input grads of every layer
    return dict(d_step=d_step, gradient_penalty=penalty, g_step=g_step, total=k * (d_step + penalty) + g_step)


def _check_against_torch() -> None:
    """The analytic forward counts of each net equal PyTorch's FlopCounterMode on one sample."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    import gans_pt

    for variant in PRESETS:
        cfg = make_config(variant)
        G, D = gans_pt.build_models(cfg)
        G.eval()
        D.eval()
        for net, x, want in ((G, torch.zeros(1, cfg.z_dim), sum(generator_layers(cfg))),
                             (D, torch.zeros(1, 1, 28, 28), sum(discriminator_layers(cfg)))):
            with FlopCounterMode(display=False) as counter, torch.no_grad():
                net(x)
            got = counter.get_total_flops()
            assert got == want, f"{variant} {type(net).__name__}: torch counts {got}, flops.py {want}"
    print("forward counts agree with torch.utils.flop_counter for every preset")


def main() -> None:
    print(f"{'preset':10} {'D step':>10} {'penalty':>10} {'G step':>10} {'k':>2} {'total':>10}  (MFLOP)")
    for variant in PRESETS:
        cfg = make_config(variant)
        f = {key: value / 1e6 for key, value in step_flops(cfg).items()}
        print(f"{variant:10} {f['d_step']:10.1f} {f['gradient_penalty']:10.1f} {f['g_step']:10.1f} "
              f"{cfg.k_steps:2d} {f['total']:10.1f}")
    _check_against_torch()


if __name__ == "__main__":
    main()
