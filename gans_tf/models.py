"""Generators and discriminators for 28x28x1 MNIST (TensorFlow / Keras 3 twin of ``gans_pt.models``).

Images are NHWC (N, 28, 28, 1) in [-1, 1]; discriminators return logits of shape (N,).
Initialisation (both frameworks): weights ~ N(0, 0.02) as in DCGAN (Radford et al. 2016), biases 0,
batch-norm gamma 1, beta 0; batch norm momentum 0.9 (PyTorch 0.1), eps 1e-5 (Keras' default is 1e-3);
LeakyReLU slope 0.2 (Keras' default is 0.3). 'same' padding of a 4x4 stride-2 (transposed) convolution on these
even sizes pads 1 on each side, as PyTorch's padding=1.
"""
import keras
from keras import layers

__all__ = ["MLPGenerator", "MLPDiscriminator", "DCGANGenerator", "DCGANDiscriminator", "build_generator",
           "build_models", "count_params"]

SLOPE = 0.2
BN = dict(momentum=0.9, epsilon=1e-5)


def _init():
    """A fresh N(0, 0.02) initializer per layer. Keras draws an unseeded initializer's seed from Python's `random`
    when the initializer is made: made here, after ``keras.utils.set_random_seed``, it follows the config's seed
    (one shared module-level initializer would be seeded at import, differently in every process)."""
    return dict(kernel_initializer=keras.initializers.RandomNormal(0.0, 0.02), bias_initializer="zeros")


class _Net(keras.Model):
    """A keras.Sequential built at construction, so weights exist before the first call (like a torch module)."""

    def __init__(self, input_shape, stack, name):
        super().__init__(name=name)
        self.net = keras.Sequential([keras.Input(input_shape), *stack])
        self.built = True

    def call(self, x, training=False):
        return self.net(x, training=training)


class MLPGenerator(_Net):
    """Goodfellow et al. 2014 style MLP: z -> 8w -> 16w -> 784 (w=32: 256, 512), LeakyReLU hidden, tanh output."""

    def __init__(self, z_dim=100, width=32):
        super().__init__((z_dim,), [layers.Dense(8 * width, **_init()), layers.LeakyReLU(SLOPE),
                                    layers.Dense(16 * width, **_init()), layers.LeakyReLU(SLOPE),
                                    layers.Dense(784, activation="tanh", **_init()), layers.Reshape((28, 28, 1))],
                         "mlp_generator")


class MLPDiscriminator(_Net):
    """MLP discriminator: 784 -> 16w -> 8w -> 1 logit (w=32: 512, 256), LeakyReLU hidden."""

    def __init__(self, width=32):
        super().__init__((28, 28, 1), [layers.Flatten(), layers.Dense(16 * width, **_init()), layers.LeakyReLU(SLOPE),
                                       layers.Dense(8 * width, **_init()), layers.LeakyReLU(SLOPE),
                                       layers.Dense(1, **_init()), layers.Reshape(())], "mlp_discriminator")


class DCGANGenerator(_Net):
    """Radford et al. 2016 for 28x28: dense projection to 7x7x(2w), then two stride-2 transposed convolutions
    (4x4) with batch norm + ReLU between, tanh output."""

    def __init__(self, z_dim=100, width=32):
        super().__init__((z_dim,), [
            layers.Dense(2 * width * 7 * 7, use_bias=False, **_init()),  # bias is cancelled by batch norm
            layers.Reshape((7, 7, 2 * width)), layers.BatchNormalization(**BN), layers.ReLU(),
            layers.Conv2DTranspose(width, 4, 2, "same", use_bias=False, **_init()),  # (N, 14, 14, w)
            layers.BatchNormalization(**BN), layers.ReLU(),
            layers.Conv2DTranspose(1, 4, 2, "same", activation="tanh", **_init())], "dcgan_generator")  # (N, 28, 28, 1)


class DCGANDiscriminator(_Net):
    """Radford et al. 2016: stride-2 4x4 convolutions, LeakyReLU, batch norm on all but the first layer, no
    pooling, one dense logit. ``norm='none'`` gives the WGAN-GP critic (Gulrajani et al. 2017, sec. 4: no batch
    norm, since the penalty is per sample)."""

    def __init__(self, width=32, norm="batch"):
        stack = [layers.Conv2D(width, 4, 2, "same", **_init()), layers.LeakyReLU(SLOPE),           # (N, 14, 14, w)
                 layers.Conv2D(2 * width, 4, 2, "same", use_bias=norm != "batch", **_init())]     # (N, 7, 7, 2w)
        stack += [layers.BatchNormalization(**BN)] if norm == "batch" else []
        stack += [layers.LeakyReLU(SLOPE), layers.Flatten(), layers.Dense(1, **_init()), layers.Reshape(())]
        super().__init__((28, 28, 1), stack, "dcgan_discriminator")


def build_generator(cfg):
    """The generator of a GANConfig."""
    return (MLPGenerator if cfg.arch == "mlp" else DCGANGenerator)(cfg.z_dim, cfg.width)


def build_models(cfg):
    """(generator, discriminator) for a GANConfig."""
    G = build_generator(cfg)  # first: the weight initialisation draws from the seeded RNG in this order
    return G, MLPDiscriminator(cfg.width) if cfg.arch == "mlp" else DCGANDiscriminator(cfg.width, cfg.d_norm)


def count_params(model):
    """Number of trainable parameters."""
    return int(sum(v.numpy().size for v in model.trainable_variables))
