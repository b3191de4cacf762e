"""Generators and discriminators for 28x28x1 MNIST (PyTorch twin of ``gans_tf.models``).

Images are NCHW (N, 1, 28, 28) in [-1, 1]; discriminators return logits of shape (N,).
Initialisation (both frameworks): weights ~ N(0, 0.02) as in DCGAN (Radford et al. 2016), biases 0,
batch-norm gamma 1, beta 0; batch norm momentum 0.1 (Keras 0.9), eps 1e-5; LeakyReLU slope 0.2.
"""
from torch import nn

__all__ = ["MLPGenerator", "MLPDiscriminator", "DCGANGenerator", "DCGANDiscriminator", "build_generator",
           "build_models", "count_params"]

SLOPE = 0.2
BN = dict(momentum=0.1, eps=1e-5)


def _init(module):
    for m in module.modules():
        if isinstance(m, (nn.Linear, nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module


class MLPGenerator(nn.Module):
    """Goodfellow et al. 2014 style MLP: z -> 8w -> 16w -> 784 (w=32: 256, 512), LeakyReLU hidden, tanh output."""

    def __init__(self, z_dim=100, width=32):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(z_dim, 8 * width), nn.LeakyReLU(SLOPE), nn.Linear(8 * width, 16 * width),
                                 nn.LeakyReLU(SLOPE), nn.Linear(16 * width, 784), nn.Tanh())
        _init(self)

    def forward(self, z):                     # (N, z_dim)
        return self.net(z).view(-1, 1, 28, 28)  # (N, 1, 28, 28)


class MLPDiscriminator(nn.Module):
    """MLP discriminator: 784 -> 16w -> 8w -> 1 logit (w=32: 512, 256), LeakyReLU hidden."""

    def __init__(self, width=32):
        super().__init__()
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(784, 16 * width), nn.LeakyReLU(SLOPE),
                                 nn.Linear(16 * width, 8 * width), nn.LeakyReLU(SLOPE), nn.Linear(8 * width, 1))
        _init(self)

    def forward(self, x):              # (N, 1, 28, 28)
        return self.net(x).view(-1)    # (N,)


class DCGANGenerator(nn.Module):
    """Radford et al. 2016 for 28x28: dense projection to 7x7x(2w), then two stride-2 transposed convolutions
    (4x4) with batch norm + ReLU between, tanh output."""

    def __init__(self, z_dim=100, width=32):
        super().__init__()
        self.width = width
        self.project = nn.Linear(z_dim, 2 * width * 7 * 7, bias=False)  # bias is cancelled by batch norm
        self.net = nn.Sequential(
            nn.BatchNorm2d(2 * width, **BN), nn.ReLU(),
            nn.ConvTranspose2d(2 * width, width, 4, 2, 1, bias=False),  # (N, w, 14, 14)
            nn.BatchNorm2d(width, **BN), nn.ReLU(),
            nn.ConvTranspose2d(width, 1, 4, 2, 1), nn.Tanh())           # (N, 1, 28, 28)
        _init(self)

    def forward(self, z):
        return self.net(self.project(z).view(-1, 2 * self.width, 7, 7))


class DCGANDiscriminator(nn.Module):
    """Radford et al. 2016: stride-2 4x4 convolutions, LeakyReLU, batch norm on all but the first layer, no
    pooling, one dense logit. ``norm='none'`` gives the WGAN-GP critic (Gulrajani et al. 2017, sec. 4: no batch
    norm, since the penalty is per sample)."""

    def __init__(self, width=32, norm="batch"):
        super().__init__()
        layers = [nn.Conv2d(1, width, 4, 2, 1), nn.LeakyReLU(SLOPE),                 # (N, w, 14, 14)
                  nn.Conv2d(width, 2 * width, 4, 2, 1, bias=norm != "batch")]        # (N, 2w, 7, 7)
        layers += [nn.BatchNorm2d(2 * width, **BN)] if norm == "batch" else []
        layers += [nn.LeakyReLU(SLOPE), nn.Flatten(), nn.Linear(2 * width * 7 * 7, 1)]
        self.net = nn.Sequential(*layers)
        _init(self)

    def forward(self, x):
        return self.net(x).view(-1)


def build_generator(cfg):
    """The generator of a GANConfig."""
    return (MLPGenerator if cfg.arch == "mlp" else DCGANGenerator)(cfg.z_dim, cfg.width)


def build_models(cfg):
    """(generator, discriminator) for a GANConfig."""
    G = build_generator(cfg)  # first: the weight initialisation draws from the seeded RNG in this order
    return G, MLPDiscriminator(cfg.width) if cfg.arch == "mlp" else DCGANDiscriminator(cfg.width, cfg.d_norm)


def count_params(model):
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
