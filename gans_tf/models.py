"""Generators and discriminators for 28x28x1 MNIST (TensorFlow / Keras 3 twin of ``gans_pt.models``), built from the
layer tables of ``gans_common.architectures``.

Images are NHWC (N, 28, 28, 1) in [-1, 1]; discriminators return logits of shape (N,).
Initialisation (both frameworks): weights ~ N(0, 0.02) as in DCGAN (Radford et al. 2016), biases 0,
batch-norm gamma 1, beta 0; batch norm momentum 0.9 (PyTorch 0.1), eps 1e-5 (Keras' default is 1e-3);
LeakyReLU slope 0.2 (Keras' default is 0.3). 'same' padding of a 4x4 stride-2 (transposed) convolution on these
even sizes pads 1 on each side, as PyTorch's padding=1.
"""
import keras
from keras import layers

from gans_common import architectures as arch

__all__ = ["MLPGenerator", "MLPDiscriminator", "DCGANGenerator", "DCGANDiscriminator", "build_generator",
           "build_models", "count_params"]

SLOPE = 0.2
BN = dict(momentum=0.9, epsilon=1e-5)


def _init():
    """A fresh N(0, 0.02) initializer per layer. Keras draws an unseeded initializer's seed from Python's `random`
    when the initializer is made: made here, after ``keras.utils.set_random_seed``, it follows the config's seed
    (one shared module-level initializer would be seeded at import, differently in every process)."""
    return dict(kernel_initializer=keras.initializers.RandomNormal(0.0, 0.02), bias_initializer="zeros")


def _layer(layer: arch.Layer):
    """The Keras layer of one layer of the table (NHWC)."""
    k = layer.kind
    if k == "dense":
        return layers.Dense(layer.c_out, use_bias=layer.bias, **_init())
    if k in ("conv", "conv_transpose"):
        cls = layers.Conv2D if k == "conv" else layers.Conv2DTranspose
        return cls(layer.c_out, layer.kernel, layer.stride, "same", use_bias=layer.bias, **_init())
    if k == "batch_norm":
        return layers.BatchNormalization(**BN)
    if k == "unflatten":
        c, h, w = layer.shape
        return layers.Reshape((h, w, c))
    if k == "leaky_relu":
        return layers.LeakyReLU(SLOPE)
    if k == "relu":
        return layers.ReLU()
    return layers.Flatten() if k == "flatten" else layers.Activation(k)  # tanh


class _Net(keras.Model):
    """A table's layers as a keras.Sequential built at construction, so weights exist before the first call (like a
    torch module)."""

    logits = False  # discriminators: (N, 1) -> (N,)

    def __init__(self, input_shape, stack, name):
        super().__init__(name=name)
        self.net = keras.Sequential([keras.Input(input_shape), *map(_layer, stack),
                                     *([layers.Reshape(())] if self.logits else [])])
        self.built = True

    def call(self, x, training=False):
        return self.net(x, training=training)


class MLPGenerator(_Net):
    """Goodfellow et al. 2014 style MLP: z (N, z_dim) -> (N, 28, 28, 1); ``architectures.mlp_generator``."""

    def __init__(self, z_dim=100, width=32):
        super().__init__((z_dim,), arch.mlp_generator(z_dim, width), "mlp_generator")


class MLPDiscriminator(_Net):
    """MLP discriminator: (N, 28, 28, 1) -> (N,) logits; ``architectures.mlp_discriminator``."""

    logits = True

    def __init__(self, width=32):
        super().__init__((28, 28, 1), arch.mlp_discriminator(width), "mlp_discriminator")


class DCGANGenerator(_Net):
    """Radford et al. 2016 for 28x28: z -> 7x7x(2w) -> 14x14xw -> 28x28x1; ``architectures.dcgan_generator``."""

    def __init__(self, z_dim=100, width=32, extra_convs=0):
        super().__init__((z_dim,), arch.dcgan_generator(z_dim, width, extra_convs), "dcgan_generator")


class DCGANDiscriminator(_Net):
    """Radford et al. 2016 discriminator, or with ``norm='none'`` the WGAN-GP critic (Gulrajani et al. 2017);
    ``architectures.dcgan_discriminator``."""

    logits = True

    def __init__(self, width=32, norm="batch", extra_convs=0):
        super().__init__((28, 28, 1), arch.dcgan_discriminator(width, norm, extra_convs), "dcgan_discriminator")


def build_generator(cfg):
    """The generator of a GANConfig."""
    return arch.build_generator(globals(), cfg)


def build_models(cfg):
    """(generator, discriminator) for a GANConfig."""
    return arch.build_models(globals(), cfg)


def count_params(model):
    """Number of trainable parameters."""
    return int(sum(v.numpy().size for v in model.trainable_variables))
