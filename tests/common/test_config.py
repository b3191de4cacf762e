"""Presets and the one-line errors for impossible configs."""
import json

import numpy as np
import pytest

from gans_common.config import PRESETS, TIERS, TTUR_N1_EMA, ConfigError, config_from_dict, make_config, recipe_config
from gans_common.loop import select_images


def test_presets_are_the_four_variants_with_their_papers_settings():
    assert set(PRESETS) == {"vanilla", "lsgan", "dcgan", "wgan_gp"}
    wgan = recipe_config("wgan_gp")  # Algorithm 1; the preset changes k_steps, the rates and the EMA (TTUR_N1_EMA)
    assert (wgan.loss, wgan.k_steps, wgan.gp_weight, wgan.beta1, wgan.beta2, wgan.d_norm) == \
        ("wasserstein", 5, 10.0, 0.0, 0.9, "none")
    # the conv nets deeper and narrower than the recipes (the search's winners): two 3x3 layers more, the critic and
    # its G at width 20 learning at four times TTUR_N1_EMA's rates, DCGAN's nets at width 24
    assert make_config("wgan_gp") == wgan.replace(**TTUR_N1_EMA | dict(lr_g=4e-4, lr_d=1.2e-3), epochs=10, width=20,
                                                  extra_convs=2)
    for variant in ("vanilla", "lsgan", "dcgan"):  # each recipe at TF-GAN's rates with the EMA of G (TFGAN_EMA)
        # MLPs: twice as wide, D twice as fast; DCGAN: deeper, narrower, both rates doubled, its EMA over a horizon
        # twice as long
        deep = (dict(width=24, extra_convs=2, ema_decay=0.9995, lr_g=2e-3, lr_d=2e-4) if variant == "dcgan" else
                dict(width=64, lr_d=2e-4))
        tfgan_ema = dict(lr_g=1e-3, lr_d=1e-4, ema_decay=0.999, epochs=10)
        assert make_config(variant) == recipe_config(variant).replace(**tfgan_ema | deep)
    assert make_config("lsgan").arch == "mlp" and make_config("dcgan").arch == "dcgan"


def test_gpu_tier_is_each_preset_at_recipe_size_and_longer():
    for variant in PRESETS:
        cpu, gpu = make_config(variant), make_config(variant, tier="gpu")
        assert gpu.width == 128 > cpu.width
        assert gpu.epochs == 60 > cpu.epochs
        assert gpu.d_width == gpu.width  # D as wide as G at recipe size
        assert gpu.replace(width=cpu.width, width_d=cpu.width_d, epochs=cpu.epochs) == cpu  # nothing else differs
    assert set(TIERS) == {"cpu", "gpu"}
    with pytest.raises(ConfigError, match="unknown tier 'tpu': choose one of cpu, gpu"):
        make_config("dcgan", tier="tpu")


def test_a_saved_config_gets_the_default_of_a_field_it_lacks_not_the_presets_value():
    saved = json.loads(json.dumps(make_config("dcgan", digits=[3, 5]).to_dict()))  # as a record stores it
    assert config_from_dict(saved) == make_config("dcgan", digits=[3, 5])
    del saved["ema_decay"]  # saved before the field existed: trained without the EMA, whatever the preset says today
    assert config_from_dict(saved) == make_config("dcgan", digits=[3, 5], ema_decay=0.0) != make_config("dcgan")
    with pytest.raises(ConfigError, match="unknown config field"):
        config_from_dict(saved | {"learning_rate": 1})


def test_loss_and_architecture_combine_freely():
    cfg = make_config("dcgan", loss="lsgan")
    assert (cfg.arch, cfg.loss) == ("dcgan", "lsgan")


@pytest.mark.parametrize("variant, overrides, message", [
    ("bigan", {}, "unknown variant 'bigan': choose one of vanilla, lsgan, dcgan, wgan_gp"),
    ("vanilla", {"loss": "hinge"}, "unknown loss 'hinge'"),
    ("vanilla", {"arch": "resnet"}, "unknown architecture 'resnet'"),
    ("vanilla", {"k_steps": 0}, "k_steps must be a positive integer, got 0"),
    ("wgan_gp", {"gp_every": 0}, "gp_every must be a positive integer, got 0"),
    ("vanilla", {"epochs": -1}, "epochs must be a positive integer"),
    ("vanilla", {"batch_size": 0}, "batch_size must be a positive integer"),
    ("vanilla", {"lr_d": 0.0}, "lr_d must be positive"),
    ("vanilla", {"lr_g": -1e-4}, "lr_g must be positive"),
    ("vanilla", {"digits": [10]}, "digits must be in 0..9"),
    ("wgan_gp", {"real_label": 0.9}, "no meaning for the wasserstein loss"),
    ("vanilla", {"learning_rate": 1}, "unknown config field(s) learning_rate"),
])
def test_bad_config_gives_a_clear_error(variant, overrides, message):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        make_config(variant, **overrides)


def test_digit_subset_and_batch_larger_than_data():
    images = np.zeros((100, 28, 28), np.uint8)
    labels = np.repeat(np.arange(10), 10).astype(np.uint8)
    assert len(select_images(images, labels, make_config("vanilla", digits=[0], batch_size=10))) == 10
    with pytest.raises(ConfigError, match=r"batch_size 64 x k_steps 1 = 64 images per step, but the training set "
                                          r"has only 10"):
        select_images(images, labels, make_config("vanilla", digits=[3]))
    with pytest.raises(ConfigError, match="no training images left"):
        select_images(images, labels[::-1] * 0 + 1, make_config("vanilla", digits=[0]))
