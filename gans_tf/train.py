"""One training step for every variant, and the trainer the shared loop drives (TensorFlow twin of ``gans_pt.train``)."""
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from gans_common import loop
from gans_common.config import GANConfig

from .losses import LOSSES, gradient_penalty
from .models import build_models, build_generator

__all__ = ["pick_device", "images_to_tensor", "make_optimizers", "d_logits", "train_step", "Trainer", "train"]


def pick_device():
    """The first visible GPU (memory growth on, so TF does not take all its memory), else the CPU."""
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised: growth can no longer change, which is fine
            pass
    return "/GPU:0" if gpus else "/CPU:0"


def images_to_tensor(images, device="/CPU:0"):
    """uint8 (N, 28, 28) -> float32 (N, 28, 28, 1) in [-1, 1], on ``device``, converted there (4x fewer bytes moved)."""
    with tf.device(device):
        x = tf.constant(np.asarray(images, np.uint8))
        return (tf.cast(x, tf.float32) / 127.5 - 1.0)[..., None]


class _Adam(keras.optimizers.Adam):
    """Adam as in Kingma & Ba 2015, Algorithm 1 and PyTorch: eps is added to the bias-corrected sqrt(v_hat).
    Keras adds it to sqrt(v) before the correction (the paper's "epsilon hat"), 1/sqrt(1 - beta2^t) times larger in
    effect (32x at step 1 with beta2=0.999): early updates of small gradients then differ between the twins."""

    def update_step(self, gradient, variable, learning_rate):
        ops = keras.ops
        lr, g = ops.cast(learning_rate, variable.dtype), ops.cast(gradient, variable.dtype)
        t = ops.cast(self.iterations + 1, variable.dtype)
        m = self._momentums[self._get_variable_index(variable)]
        v = self._velocities[self._get_variable_index(variable)]
        self.assign_add(m, ops.multiply(ops.subtract(g, m), 1 - self.beta_1))
        self.assign_add(v, ops.multiply(ops.subtract(ops.square(g), v), 1 - self.beta_2))
        denom = ops.sqrt(v) / ops.sqrt(1 - ops.power(ops.cast(self.beta_2, variable.dtype), t)) + self.epsilon
        step = lr / (1 - ops.power(ops.cast(self.beta_1, variable.dtype), t))
        self.assign_sub(variable, ops.divide(ops.multiply(m, step), denom))


def make_optimizers(G, D, cfg):
    """Adam for each net with the config's learning rates and betas; eps 1e-8 (PyTorch's default, Keras' is 1e-7),
    placed as in PyTorch (see ``_Adam``)."""
    opts = []
    for net, lr in ((G, cfg.lr_g), (D, cfg.lr_d)):
        opt = _Adam(lr, beta_1=cfg.beta1, beta_2=cfg.beta2, epsilon=1e-8, name="adam")  # not "__adam": bad scope
        opt.build(net.trainable_variables)  # slots exist before the first (compiled) step
        opts.append(opt)
    return tuple(opts)


def d_logits(D, real, fake, cfg):
    """D's logits of the real and of the fake batch. One call on both stacked (half the kernel launches, larger
    matrix products; the same numbers for nets without batch norm) unless D has batch norm, whose statistics
    must come from each batch alone, as in the DCGAN reference code."""
    if cfg.arch == "dcgan" and cfg.d_norm == "batch":
        return D(real), D(fake)
    logits = D(tf.concat([real, fake], 0))
    return logits[:real.shape[0]], logits[real.shape[0]:]


def train_step(G, D, opt_g, opt_d, reals, z_d, z_g, alpha, cfg, gp_weights=None):
    """k discriminator steps, then one generator step; the same code for every variant.

    reals: (k, B, 28, 28, 1) real batches; z_d: (k, B, z_dim) noise for the D steps; z_g: (B_g, z_dim) noise for
    the G step; alpha: (k, B, 1, 1, 1) interpolation weights of the gradient penalty (used only for the
    Wasserstein loss); gp_weights: the penalty's weight in each D step (``loop.penalty_weights``, Python floats: a
    traced step holds one schedule; 0 skips it), ``cfg.gp_weight`` in all by default. Returns the (D loss of the
    last D step, G loss) as one (2,) tensor.
    """
    d_loss_fn, g_loss_fn = LOSSES[cfg.loss]
    gp_weights = (cfg.gp_weight,) * cfg.k_steps if gp_weights is None else gp_weights

    def critic(x):
        return D(x, training=True)

    for j in range(cfg.k_steps):  # unrolled when traced: k is a Python int
        real = reals[j]
        fake = G(z_d[j], training=True)  # outside the tape: D's step does not update G
        with tf.GradientTape() as tape:
            d_loss = d_loss_fn(*d_logits(critic, real, fake, cfg), cfg.real_label)
            if cfg.loss == "wasserstein" and gp_weights[j]:
                d_loss = d_loss + gradient_penalty(critic, real, fake, alpha[j], gp_weights[j])
        opt_d.apply_gradients(zip(tape.gradient(d_loss, D.trainable_variables), D.trainable_variables))
    with tf.GradientTape() as tape:
        g_loss = g_loss_fn(critic(G(z_g, training=True)))
    # only G's weights are asked for: the traced graph skips D's weight gradients (PyTorch freezes D for this)
    opt_g.apply_gradients(zip(tape.gradient(g_loss, G.trainable_variables), G.trainable_variables))
    return tf.stack([d_loss, g_loss])


def _use_xla(cfg: GANConfig) -> bool:
    """Whether the step is compiled by XLA (``jit_compile``): where the benchmark measures it faster in every run,
    the MLP pair. The convolutional steps are not: WGAN-GP's double backward runs slower under XLA, DCGAN's gain
    changes sign between runs (benchmarks/README.md has the figures)."""
    return cfg.arch == "mlp"


class Trainer:
    """Holds nets, optimizers, the whole training set as one tensor on the device, and the noise generator.

    The step is one ``tf.function`` graph, compiled by XLA where :func:`_use_xla` says it pays; ``compiled``
    overrides that (the twin parameter is the CUDA graph in PyTorch)."""

    framework = "tensorflow"

    def __init__(self, cfg: GANConfig, images, compiled: bool | None = None):
        self.cfg = cfg
        self.tf_device = pick_device()
        self.device = _describe(self.tf_device)
        keras.utils.set_random_seed(cfg.seed)  # weight initialisation
        with tf.device(self.tf_device):
            self.G, self.D = build_models(cfg)
            self.opt_g, self.opt_d = make_optimizers(self.G, self.D, cfg)
            self.rng = tf.random.Generator.from_seed(cfg.seed)  # z and alpha; its state is checkpointed
            self.perm = tf.Variable(tf.zeros(len(images), tf.int32), trainable=False)
            # EMA of G's weights (Yazici et al. 2019): the first update copies G, then ema <- d * ema + (1 - d) * G
            # (as torch's AveragedModel). Its batch-norm statistics are recomputed before sampling ("standing").
            self.G_ema = build_generator(cfg) if cfg.ema_decay else None
            self.ema_updates = tf.Variable(0, dtype=tf.int64, trainable=False)  # as AveragedModel's n_averaged
        self.ema_stale = True
        self.data = images_to_tensor(images, self.tf_device)  # (N, 28, 28, 1), the whole training set
        self.n_images = len(images)
        self.compiled = _use_xla(cfg) if compiled is None else compiled
        self._step = tf.function(self._step_impl, jit_compile=self.compiled)  # one graph for k D steps + 1 G step

    def start_epoch(self, perm):
        self.perm.assign(np.asarray(perm, np.int32))  # a variable: a new order does not retrace the step

    def _step_impl(self, i, gp_weights):
        cfg, k, b = self.cfg, self.cfg.k_steps, self.cfg.batch_size
        # indices by gather, not a slice: a slice bound makes i a compile-time constant under XLA (one compile per i)
        idx = tf.gather(self.perm, i * k * b + tf.range(k * b))
        reals = tf.reshape(tf.gather(self.data, idx), (k, b, 28, 28, 1))
        z_d = self.rng.normal((k, b, cfg.z_dim))
        alpha = (self.rng.uniform((k, b, 1, 1, 1)) if cfg.loss == "wasserstein" else tf.zeros((k, b, 1, 1, 1)))
        z_g = self.rng.normal((cfg.g_batch, cfg.z_dim))
        losses = train_step(self.G, self.D, self.opt_g, self.opt_d, reals, z_d, z_g, alpha, cfg, gp_weights)
        if self.G_ema is not None:
            self.update_ema()
        return losses

    def update_ema(self):
        """ema <- d * ema + (1 - d) * G; the first update copies G (as torch's ``AveragedModel``)."""
        d = tf.where(self.ema_updates == 0, 0.0, self.cfg.ema_decay)
        for e, v in zip(self.G_ema.trainable_variables, self.G.trainable_variables):
            e.assign(d * e + (1.0 - d) * v)
        self.ema_updates.assign_add(1)

    def train_step(self, i):
        self.ema_stale = True
        # the penalty schedule is a Python tuple: one trace per distinct schedule (one; at most gp_every if lazy)
        return self._step(tf.constant(i, tf.int32), loop.penalty_weights(self.cfg, i))

    def to_numpy(self, losses):
        return tf.stack(losses).numpy()

    def generate(self, z):
        G = self.G if self.G_ema is None else self._ready_ema()
        return G(tf.constant(z), training=False).numpy()  # batch norm uses its moving statistics

    def _ready_ema(self):
        """The EMA generator, its batch-norm statistics set to those of one batch of the shared standing noise."""
        if self.ema_stale:
            norms = [layer for layer in self.G_ema.net.layers if isinstance(layer, keras.layers.BatchNormalization)]
            momenta = [layer.momentum for layer in norms]
            for layer in norms:
                layer.momentum = 0.0  # moving statistics <- this batch's
            self.G_ema(tf.constant(loop.standing_noise(self.cfg)), training=True)
            for layer, m in zip(norms, momenta):
                layer.momentum = m
            self.ema_stale = False
        return self.G_ema

    def weights_finite(self):
        return all(bool(tf.reduce_all(tf.math.is_finite(v))) for v in [*self.G.weights, *self.D.weights])

    def _variables(self):
        ema = {} if self.G_ema is None else dict(G_ema=self.G_ema.weights, ema_updates=[self.ema_updates])
        return dict(G=self.G.weights, D=self.D.weights, opt_g=self.opt_g.variables, opt_d=self.opt_d.variables, **ema)

    def save(self, folder):
        arrays = {f"{k}/{i}": v.numpy() for k, vs in self._variables().items() for i, v in enumerate(vs)}
        np.savez(Path(folder) / "model.npz", rng=self.rng.state.numpy(), **arrays)

    def load(self, folder):
        with np.load(Path(folder) / "model.npz") as f:
            for k, vs in self._variables().items():
                for i, v in enumerate(vs):
                    v.assign(f[f"{k}/{i}"])
            self.rng.reset(f["rng"])
        self.ema_stale = True


def train(cfg: GANConfig, run_dir, resume=False, progress=True, images=None, callbacks=None):
    """Train ``cfg`` on MNIST (or on ``images``, uint8 (N, 28, 28)); returns (trainer, run record)."""
    return loop.train(Trainer, cfg, run_dir, resume, progress, images, callbacks)


def _describe(device):
    if device.startswith("/GPU"):
        return f"gpu ({tf.config.experimental.get_device_details(tf.config.list_physical_devices('GPU')[0]).get('device_name', 'GPU')})"
    return "cpu"
