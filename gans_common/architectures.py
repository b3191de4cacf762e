"""The architectures, once: each net as a list of layers that both twins build from (``gans_pt.models``,
``gans_tf.models``), and from which weight transfer (``transfer.layout``) and FLOP counts (``flops``) derive.

Shapes are PyTorch's (C, H, W); the Keras twin builds the same layers on (H, W, C). Convolutions are 4x4, stride 2,
padding 1 ("same" in Keras on these even sizes): each halves (conv) or doubles (transposed conv) H and W; the extra
convolutions of ``extra_convs`` are 3x3, stride 1, padding 1 ("same"), and keep H and W.
Architectures: Goodfellow et al. 2014 (MLP pair), Radford et al. 2016 (DCGAN pair), and the WGAN-GP critic of
Gulrajani et al. 2017 (the DCGAN discriminator without batch norm).
"""
from __future__ import annotations

from dataclasses import dataclass

KERNEL = 4           # the stride-2 (transposed) convolutions
KERNEL_STRIDE_1 = 3  # the extra stride-1 convolutions: odd, so "same" pads both sides equally (PyTorch's padding 1)
NETS = ("MLPGenerator", "MLPDiscriminator", "DCGANGenerator", "DCGANDiscriminator")


@dataclass(frozen=True)
class Layer:
    """One layer. kind: dense | conv | conv_transpose | batch_norm | relu | leaky_relu | tanh | flatten | unflatten.
    ``c_in``/``c_out``: features or channels; ``hw``: the input's height (= width) for convolutions, the output's
    (C, H, W) for unflatten; ``stride``: 2 (4x4 kernel) or, for conv, 1 (3x3 kernel)."""

    kind: str
    c_in: int = 0
    c_out: int = 0
    bias: bool = True
    hw: int = 0
    shape: tuple = ()
    stride: int = 2

    @property
    def kernel(self) -> int:
        return KERNEL if self.stride == 2 else KERNEL_STRIDE_1

    @property
    def has_weights(self) -> bool:
        return self.kind in ("dense", "conv", "conv_transpose", "batch_norm")


def mlp_generator(z_dim: int = 100, width: int = 32) -> list[Layer]:
    """z -> 8w -> 16w -> 784 (w=32: 256, 512), LeakyReLU hidden, tanh output, as a (1, 28, 28) image."""
    return [Layer("dense", z_dim, 8 * width), Layer("leaky_relu"), Layer("dense", 8 * width, 16 * width),
            Layer("leaky_relu"), Layer("dense", 16 * width, 784), Layer("tanh"), Layer("unflatten", shape=(1, 28, 28))]


def mlp_discriminator(width: int = 32) -> list[Layer]:
    """784 -> 16w -> 8w -> 1 logit (w=32: 512, 256), LeakyReLU hidden."""
    return [Layer("flatten"), Layer("dense", 784, 16 * width), Layer("leaky_relu"),
            Layer("dense", 16 * width, 8 * width), Layer("leaky_relu"), Layer("dense", 8 * width, 1)]


def dcgan_generator(z_dim: int = 100, width: int = 32, extra_convs: int = 0) -> list[Layer]:
    """Dense projection to 7x7x(2w), ``extra_convs`` 3x3 stride-1 convolutions at 7x7 (as the 7x7 stride-1 layer of
    the TensorFlow DCGAN tutorial's generator), then two stride-2 transposed convolutions, batch norm + ReLU after
    each but the last, tanh output. Biases before batch norm are dropped: batch norm cancels them."""
    w = width
    extra = [Layer("conv", 2 * w, 2 * w, bias=False, hw=7, stride=1), Layer("batch_norm", 2 * w, 2 * w),
             Layer("relu")] * extra_convs                                   # (2w, 7, 7) each
    return [Layer("dense", z_dim, 2 * w * 49, bias=False), Layer("unflatten", shape=(2 * w, 7, 7)),
            Layer("batch_norm", 2 * w, 2 * w), Layer("relu"), *extra,
            Layer("conv_transpose", 2 * w, w, bias=False, hw=7),            # (w, 14, 14)
            Layer("batch_norm", w, w), Layer("relu"),
            Layer("conv_transpose", w, 1, hw=14), Layer("tanh")]            # (1, 28, 28)


def dcgan_discriminator(width: int = 32, norm: str = "batch", extra_convs: int = 0) -> list[Layer]:
    """Stride-2 convolutions, then ``extra_convs`` 3x3 stride-1 ones at 7x7 (a deeper D, as the third convolution of
    the official WGAN-GP MNIST critic), LeakyReLU, batch norm on all but the first layer, one dense logit;
    ``norm='none'`` is the WGAN-GP critic (no batch norm: the penalty is per sample)."""
    w, bn = width, norm == "batch"

    def block(c_in, hw, stride):  # conv, its batch norm (if any), LeakyReLU
        return [Layer("conv", c_in, 2 * w, bias=not bn, hw=hw, stride=stride),
                *([Layer("batch_norm", 2 * w, 2 * w)] if bn else []), Layer("leaky_relu")]

    return [Layer("conv", 1, w, hw=28), Layer("leaky_relu"),                 # (w, 14, 14)
            *block(w, 14, 2),                                                # (2w, 7, 7)
            *[layer for _ in range(extra_convs) for layer in block(2 * w, 7, 1)],  # (2w, 7, 7) each
            Layer("flatten"), Layer("dense", 2 * w * 49, 1)]


def layers(net: str, z_dim: int = 100, width: int = 32, norm: str = "batch", extra_convs: int = 0) -> list[Layer]:
    """The layers of ``net`` (one of ``NETS``); ``extra_convs`` only for the DCGAN pair."""
    if net not in NETS:
        raise ValueError(f"unknown architecture {net!r}: choose one of {', '.join(NETS)}")
    if net == "MLPGenerator":
        return mlp_generator(z_dim, width)
    if net == "MLPDiscriminator":
        return mlp_discriminator(width)
    if net == "DCGANGenerator":
        return dcgan_generator(z_dim, width, extra_convs)
    return dcgan_discriminator(width, norm, extra_convs)


def build_generator(classes: dict, cfg):
    """The generator of a GANConfig, from a twin's classes (name -> class)."""
    if cfg.arch == "mlp":
        return classes["MLPGenerator"](cfg.z_dim, cfg.width)
    return classes["DCGANGenerator"](cfg.z_dim, cfg.width, cfg.extra_convs)


def build_models(classes: dict, cfg) -> tuple:
    """(generator, discriminator) of a GANConfig from a twin's classes; G first, as the weight initialisation draws
    from the seeded RNG in this order."""
    G = build_generator(classes, cfg)
    if cfg.arch == "mlp":
        return G, classes["MLPDiscriminator"](cfg.d_width)
    return G, classes["DCGANDiscriminator"](cfg.d_width, cfg.d_norm, cfg.extra_convs)


def spatial(stack: list[Layer]) -> list[tuple]:
    """The (C, H, W) (or (features,)) output shape after each layer of a net whose input is z or a (1, 28, 28) image."""
    shape, out = (stack[0].c_in,) if stack[0].kind == "dense" else (1, 28, 28), []
    for layer in stack:
        if layer.kind == "dense":
            shape = (layer.c_out,)
        elif layer.kind == "unflatten":
            shape = layer.shape
        elif layer.kind == "flatten":
            shape = (shape[0] * shape[1] * shape[2],) if len(shape) == 3 else shape
        elif layer.kind == "conv":
            shape = (layer.c_out, layer.hw // layer.stride, layer.hw // layer.stride)
        elif layer.kind == "conv_transpose":
            shape = (layer.c_out, layer.hw * 2, layer.hw * 2)
        out.append(shape)
    return out


def forward_flops(stack: list[Layer]) -> list[int]:
    """Multiply-add FLOPs (2 per multiply-accumulate) per sample of each matmul-type layer, input to output."""
    out = []
    for layer in stack:
        if layer.kind == "dense":
            out.append(2 * layer.c_in * layer.c_out)
        elif layer.kind == "conv":  # each output pixel: c_in x k x k products per output channel
            out.append(2 * layer.c_in * layer.c_out * layer.kernel ** 2 * (layer.hw // layer.stride) ** 2)
        elif layer.kind == "conv_transpose":  # each input pixel scatters c_out x k x k products
            out.append(2 * layer.c_in * layer.c_out * layer.kernel ** 2 * layer.hw ** 2)
    return out
