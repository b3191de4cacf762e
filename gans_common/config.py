"""The one source of hyperparameters: a frozen config and the four variant presets, read by both frameworks."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass


LOSSES = ("saturating", "nonsaturating", "lsgan", "wasserstein")
ARCHS = ("mlp", "dcgan")
D_NORMS = ("batch", "none")


class ConfigError(ValueError):
    """A config value that cannot work; the message says which and how to fix it."""


@dataclass(frozen=True)
class GANConfig:
    variant: str = "vanilla"
    dataset: str = "mnist"        # one of mnist.DATASETS: "mnist" or "fashion-mnist" (Xiao et al. 2017)
    loss: str = "nonsaturating"   # one of LOSSES; the D loss follows from it (BCE for both 2014 G losses)
    arch: str = "mlp"             # one of ARCHS, independent of the loss ("DCGAN with LSGAN loss" is allowed)
    d_norm: str = "batch"         # dcgan discriminator: batch norm after conv 2, or none (WGAN-GP critic)
    z_dim: int = 100
    width: int = 32               # dcgan: channels of the 14x14 maps (7x7 maps have 2x); mlp: hidden 8w and 16w units
    width_d: int = 0              # the discriminator's width, if not the generator's; 0 = width
    extra_convs: int = 0          # dcgan: 3x3 stride-1 conv blocks at the 7x7 maps of G (after its projection) and D
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int = 64          # real (and fake) images per discriminator step
    batch_size_g: int = 0         # z per generator step; 0 = same as batch_size
    k_steps: int = 1              # discriminator (critic) steps per generator step
    gp_weight: float = 10.0       # WGAN-GP lambda (used with loss='wasserstein')
    gp_every: int = 1             # the penalty on every n-th critic step only, weighted n x (lazy; Karras et al. 2020)
    ema_decay: float = 0.0        # sample from an exponential moving average of G's weights (Yazici et al. 2019); 0 = off
    real_label: float = 1.0       # D's target for real images; 0.9 = one-sided label smoothing (Salimans et al. 2016)
    digits: tuple[int, ...] = ()  # train on these digits only; () = all ten
    epochs: int = 10              # passes of the discriminator over the (subset) training set
    train_subset: int = 0         # use only the first N images (smoke runs); 0 = all
    seed: int = 0

    @property
    def d_width(self) -> int:
        return self.width_d or self.width

    @property
    def g_batch(self) -> int:
        return self.batch_size_g or self.batch_size

    def replace(self, **changes) -> "GANConfig":
        return make_config(**(dataclasses.asdict(self) | changes))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


# The papers' recipes (and LSGAN's slower D, which kept its MLP D from winning outright): where the quality search
# and the stability sweep started, so their records keep meaning the configs they were trained with. Every field
# not named is GANConfig's default (recipe_config).
RECIPES: dict[str, dict] = {
    # Goodfellow et al. 2014, MLP pair; the non-saturating G loss the paper recommends in practice.
    "vanilla": dict(loss="nonsaturating", arch="mlp"),
    # Mao et al. 2017 least-squares loss on the same MLP pair (the seed's "LSGAN loss + Vanilla architecture").
    "lsgan": dict(loss="lsgan", arch="mlp", lr_d=5e-5),
    # Radford et al. 2016: conv pair with batch norm, Adam(2e-4, beta1=0.5).
    "dcgan": dict(loss="nonsaturating", arch="dcgan", d_norm="batch"),
    # Gulrajani et al. 2017, Algorithm 1: n_critic=5, lambda=10, Adam(1e-4, 0, 0.9), critic without batch norm.
    "wgan_gp": dict(loss="wasserstein", arch="dcgan", d_norm="none", k_steps=5, lr_g=1e-4, lr_d=1e-4,
                    beta1=0.0, beta2=0.9),
}

# The search's "tfgan-ema": G learns 10x faster than D (the two time-scale update rule of Heusel et al. 2017, at
# TF-GAN's MNIST rates), and samples come from an EMA of G's weights (Yazici et al. 2019; for DCGAN its batch-norm
# statistics are recomputed on fixed noise before sampling), which averages the noise of G's large steps.
TFGAN_EMA = dict(lr_g=1e-3, lr_d=1e-4, ema_decay=0.999)

# The search's "ttur-n1-ema" for WGAN-GP: one critic step per G step with the critic learning 3x faster (Heusel et
# al. 2017 train WGAN-GP this way), so G takes five times the steps of Algorithm 1 for the same images seen by D;
# samples from an EMA of G's weights.
TTUR_N1_EMA = dict(k_steps=1, lr_g=1e-4, lr_d=3e-4, ema_decay=0.999)

# The study's presets: each recipe with what won the quality search at the study's one budget, 10 epochs for every
# variant (the same 600k real images seen by D), what one seed of all eight fits in the CPU tier's hour (the search's
# "hour" stage; python -m gans_study.search --report, records in results/search/). Each learns faster per image than
# the winner of the search's 20-epoch stage it starts from.
# The MLP pairs: twice the recipe's width (512 and 1024 hidden units), D at twice TFGAN_EMA's rate (the search's
# "tfgan-ema-wide64-lrd2x"). The conv pairs are deeper at the 7x7 maps (``extra_convs`` 3x3 layers) and narrower
# than the recipes: depth, not width, at about the FLOPs per step of the wider two-layer nets they replaced. DCGAN:
# two layers at width 24, its EMA over twice TFGAN_EMA's horizon, both rates doubled ("tfgan-ema9995-deep2-24-lr2x");
# WGAN-GP: two at width 20, G and critic at four times TTUR_N1_EMA's rates, the 3:1 ratio kept
# ("ttur-n1-ema-deep2-20-lr4x").
PRESETS: dict[str, dict] = {
    "vanilla": RECIPES["vanilla"] | TFGAN_EMA | dict(width=64, lr_d=2e-4, epochs=10),
    "lsgan": RECIPES["lsgan"] | TFGAN_EMA | dict(width=64, lr_d=2e-4, epochs=10),
    "dcgan": RECIPES["dcgan"] | TFGAN_EMA | dict(width=24, extra_convs=2, ema_decay=0.9995, lr_g=2e-3, lr_d=2e-4,
                                                 epochs=10),
    "wgan_gp": RECIPES["wgan_gp"] | TTUR_N1_EMA | dict(width=20, extra_convs=2, lr_g=4e-4, lr_d=1.2e-3, epochs=10),
}


# The GPU tier: the same recipes at the sizes the field trains on MNIST and for longer, for a machine with a GPU
# (on 2 CPU cores one such model takes hours). Width 128 for all: the MLPs 1024 and 2048 hidden units, about 3.8M
# weights in each net (twice the CPU tier's width); the conv nets with the presets' two extra 3x3 layers: G projects
# to 7x7x256 (about 3.0M weights; the TensorFlow DCGAN tutorial's has 2.3M), D and the WGAN-GP critic 128, 256, 256
# and 256 channels (about 1.7M; the official WGAN-GP critic has 1.0M). 60 epochs: 3.6M real images seen by D, the
# same for all. The learning rates are the CPU tier's, searched at its widths and 10 epochs.
TIERS: dict[str, dict[str, dict]] = {
    "cpu": PRESETS,
    "gpu": {v: p | dict(width=128, epochs=60) for v, p in PRESETS.items()},
}


def make_config(variant: str = "vanilla", tier: str = "cpu", **overrides) -> GANConfig:
    """The preset of ``variant`` in ``tier`` (``TIERS``: "cpu", the study's, or "gpu") with ``overrides``
    applied, validated; bad values raise :class:`ConfigError`."""
    if variant not in PRESETS:
        raise ConfigError(f"unknown variant {variant!r}: choose one of {', '.join(PRESETS)}")
    if tier not in TIERS:
        raise ConfigError(f"unknown tier {tier!r}: choose one of {', '.join(TIERS)}")
    unknown = set(overrides) - {f.name for f in dataclasses.fields(GANConfig)}
    if unknown:
        raise ConfigError(f"unknown config field(s) {', '.join(sorted(unknown))}: see gans_common.GANConfig")
    values = TIERS[tier][variant] | {k: v for k, v in overrides.items() if v is not None}
    if "digits" in values:
        values["digits"] = tuple(sorted(set(int(d) for d in values["digits"])))
    cfg = GANConfig(variant=variant, **{k: v for k, v in values.items() if k != "variant"})
    validate(cfg)
    return cfg


def default_config(variant: str, **overrides) -> GANConfig:
    """``variant`` with ``overrides`` and every other field at GANConfig's default (no preset), validated."""
    defaults = {f.name: f.default for f in dataclasses.fields(GANConfig) if f.name != "variant"}
    return make_config(variant, **(defaults | overrides))


def recipe_config(variant: str, **overrides) -> GANConfig:
    """``variant``'s paper recipe (``RECIPES``) with ``overrides``, every other field at GANConfig's default: never
    moved by a change of the presets."""
    return default_config(variant, **(RECIPES[variant] | overrides))


def config_from_dict(saved: dict) -> GANConfig:
    """A config saved as a dict (a record's, a run folder's), rebuilt and validated. A field it lacks was added to
    GANConfig after it was saved, with a default that keeps the old behaviour: it gets that default, never today's
    preset value (the presets gained an EMA of G, ``ema_decay``, after records without the field were written)."""
    return default_config(**saved)


def validate(cfg: GANConfig) -> None:
    def need(ok: bool, msg: str) -> None:
        if not ok:
            raise ConfigError(msg)

    from .mnist import DATASETS  # here, not at the top: `python -m gans_common.mnist` must not import itself first

    need(cfg.dataset in DATASETS, f"unknown dataset {cfg.dataset!r}: choose one of {', '.join(DATASETS)}")
    need(cfg.loss in LOSSES, f"unknown loss {cfg.loss!r}: choose one of {', '.join(LOSSES)}")
    need(cfg.arch in ARCHS, f"unknown architecture {cfg.arch!r}: choose one of {', '.join(ARCHS)}")
    need(cfg.d_norm in D_NORMS, f"unknown d_norm {cfg.d_norm!r}: choose one of {', '.join(D_NORMS)}")
    for name in ("lr_g", "lr_d"):
        need(getattr(cfg, name) > 0, f"{name} must be positive, got {getattr(cfg, name)}")
    for name in ("batch_size", "k_steps", "epochs", "z_dim", "width", "gp_every"):
        need(int(getattr(cfg, name)) == getattr(cfg, name) and getattr(cfg, name) > 0,
             f"{name} must be a positive integer, got {getattr(cfg, name)!r}")
    need(cfg.gp_weight >= 0, f"gp_weight must be >= 0 (Gulrajani et al. 2017 use 10), got {cfg.gp_weight}")
    need(int(cfg.width_d) == cfg.width_d and cfg.width_d >= 0,
         f"width_d must be a positive integer (or 0 for width), got {cfg.width_d!r}")
    need(int(cfg.extra_convs) == cfg.extra_convs and cfg.extra_convs >= 0,
         f"extra_convs must be a non-negative integer (0 = the recipe's depth), got {cfg.extra_convs!r}")
    need(cfg.extra_convs == 0 or cfg.arch == "dcgan",
         f"extra_convs adds convolutions to the dcgan nets; arch {cfg.arch!r} has none: leave it at 0")
    need(cfg.batch_size_g >= 0, f"batch_size_g must be positive (or 0 for batch_size), got {cfg.batch_size_g}")
    need(cfg.train_subset >= 0, f"train_subset must be >= 0 (0 = all images), got {cfg.train_subset}")
    need(0 <= cfg.beta1 < 1 and 0 <= cfg.beta2 < 1, f"Adam betas must be in [0, 1), got {cfg.beta1}, {cfg.beta2}")
    need(0 <= cfg.ema_decay < 1, f"ema_decay must be in [0, 1) (0 = no EMA, e.g. 0.999), got {cfg.ema_decay}")
    need(0.5 < cfg.real_label <= 1, f"real_label must be in (0.5, 1] (0.9 = one-sided smoothing), got {cfg.real_label}")
    need(cfg.real_label == 1 or cfg.loss != "wasserstein",
         "real_label (label smoothing) has no meaning for the wasserstein loss: leave it at 1")
    need(all(0 <= d <= 9 for d in cfg.digits), f"digits must be in 0..9, got {cfg.digits}")
