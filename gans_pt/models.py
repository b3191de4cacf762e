"""Generators and discriminators for 28x28x1 MNIST (PyTorch twin of ``gans_tf.models``), built from the layer
tables of ``gans_common.architectures``.

Images are NCHW (N, 1, 28, 28) in [-1, 1]; discriminators return logits of shape (N,).
Initialisation (both frameworks): weights ~ N(0, 0.02) as in DCGAN (Radford et al. 2016), biases 0,
batch-norm gamma 1, beta 0; batch norm momentum 0.1 (Keras 0.9), eps 1e-5; LeakyReLU slope 0.2.
"""
from torch import nn

from gans_common import architectures as arch

__all__ = ["MLPGenerator", "MLPDiscriminator", "DCGANGenerator", "DCGANDiscriminator", "build_generator",
           "build_models", "count_params"]

SLOPE = 0.2
BN = dict(momentum=0.1, eps=1e-5)


def _module(layer: arch.Layer) -> nn.Module:
    """The PyTorch module of one layer of the table."""
    k = layer.kind
    if k == "dense":
        return nn.Linear(layer.c_in, layer.c_out, bias=layer.bias)
    if k in ("conv", "conv_transpose"):
        cls = nn.Conv2d if k == "conv" else nn.ConvTranspose2d
        return cls(layer.c_in, layer.c_out, layer.kernel, layer.stride, 1, bias=layer.bias)
    if k == "batch_norm":
        return nn.BatchNorm2d(layer.c_out, **BN)
    if k == "unflatten":
        return nn.Unflatten(1, layer.shape)
    if k == "leaky_relu":
        return nn.LeakyReLU(SLOPE)
    return {"relu": nn.ReLU, "tanh": nn.Tanh, "flatten": nn.Flatten}[k]()


class _Net(nn.Module):
    """A table's layers as ``self.net`` (state-dict keys ``net.<i>.*``), N(0, 0.02) weights, zero biases."""

    logits = False  # discriminators: (N, 1) -> (N,)

    def __init__(self, stack: list):
        super().__init__()
        self.net = nn.Sequential(*map(_module, stack))
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
                nn.init.normal_(m.weight, 0.0, 0.02)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        y = self.net(x)
        return y.view(-1) if self.logits else y


class MLPGenerator(_Net):
    """Goodfellow et al. 2014 style MLP: z (N, z_dim) -> (N, 1, 28, 28); ``architectures.mlp_generator``."""

    def __init__(self, z_dim=100, width=32):
        super().__init__(arch.mlp_generator(z_dim, width))


class MLPDiscriminator(_Net):
    """MLP discriminator: (N, 1, 28, 28) -> (N,) logits; ``architectures.mlp_discriminator``."""

    logits = True

    def __init__(self, width=32):
        super().__init__(arch.mlp_discriminator(width))


class DCGANGenerator(_Net):
    """Radford et al. 2016 for 28x28: z -> 7x7x(2w) -> 14x14xw -> 28x28x1; ``architectures.dcgan_generator``."""

    def __init__(self, z_dim=100, width=32, extra_convs=0):
        super().__init__(arch.dcgan_generator(z_dim, width, extra_convs))


class DCGANDiscriminator(_Net):
    """Radford et al. 2016 discriminator, or with ``norm='none'`` the WGAN-GP critic (Gulrajani et al. 2017);
    ``architectures.dcgan_discriminator``."""

    logits = True

    def __init__(self, width=32, norm="batch", extra_convs=0):
        super().__init__(arch.dcgan_discriminator(width, norm, extra_convs))


def build_generator(cfg):
    """The generator of a GANConfig."""
    return arch.build_generator(globals(), cfg)


def build_models(cfg):
    """(generator, discriminator) for a GANConfig."""
    return arch.build_models(globals(), cfg)


def count_params(model):
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
