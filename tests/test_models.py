"""Architectures: output shapes and parameter counts, equal across the frameworks."""
import numpy as np
import pytest

from frameworks import PT, TF
from gans_common.config import make_config

# (variant preset, G params, D params): counted once by hand from the layer sizes in gans_*/models.py
EXPECTED = {
    # width 64: 512 and 1024 hidden units
    "vanilla": (100 * 512 + 512 + 512 * 1024 + 1024 + 1024 * 784 + 784,
                784 * 1024 + 1024 + 1024 * 512 + 512 + 512 + 1),
    # width 24, two 3x3 convs (no bias before batch norm) at the 7x7x48 maps of each net
    "dcgan": (100 * 2352 + 2 * 48 + 2 * (48 * 48 * 9 + 2 * 48) + 48 * 24 * 16 + 2 * 24 + 24 * 16 + 1,
              16 * 24 + 24 + 24 * 48 * 16 + 2 * 48 + 2 * (48 * 48 * 9 + 2 * 48) + 2352 + 1),
    # width 20, two 3x3 convs at the 7x7x40 maps of each net; the critic's convs have biases (no batch norm)
    "wgan_gp": (100 * 1960 + 2 * 40 + 2 * (40 * 40 * 9 + 2 * 40) + 40 * 20 * 16 + 2 * 20 + 20 * 16 + 1,
                16 * 20 + 20 + 20 * 40 * 16 + 40 + 2 * (40 * 40 * 9 + 40) + 1960 + 1),
}


@pytest.mark.parametrize("variant", EXPECTED)
def test_shapes_and_parameter_counts_equal_across_frameworks(variant):
    cfg = make_config(variant)
    (g_pt, d_pt), (g_tf, d_tf) = PT.pkg.build_models(cfg), TF.pkg.build_models(cfg)
    z = np.random.default_rng(0).normal(size=(5, cfg.z_dim)).astype(np.float32)
    x_pt, x_tf = g_pt(PT.tensor(z)), g_tf(TF.tensor(z))
    assert tuple(x_pt.shape) == (5, 1, 28, 28) and tuple(x_tf.shape) == (5, 28, 28, 1)
    assert tuple(d_pt(x_pt).shape) == (5,) and tuple(d_tf(x_tf).shape) == (5,)
    x = x_pt.detach().numpy()
    assert x.min() >= -1 and x.max() <= 1  # tanh output
    assert (PT.pkg.count_params(g_pt), PT.pkg.count_params(d_pt)) == EXPECTED[variant]
    assert (TF.pkg.count_params(g_tf), TF.pkg.count_params(d_tf)) == EXPECTED[variant]


def test_wgan_gp_critic_has_no_batch_norm():
    import torch
    _, critic = PT.pkg.build_models(make_config("wgan_gp"))
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in critic.modules())
    _, critic_tf = TF.pkg.build_models(make_config("wgan_gp"))
    assert not any("batch_normalization" in v.path for v in critic_tf.weights)


@pytest.mark.parametrize("variant, width, extra", [("vanilla", 32, 0), ("vanilla", 64, 0), ("dcgan", 32, 0),
                                                  ("wgan_gp", 48, 0), ("dcgan", 32, 2), ("wgan_gp", 32, 1)])
def test_flop_counts_from_the_layer_table_equal_torchs_count(variant, width, extra):
    """benchmarks/flops.py counts from gans_common.architectures; PyTorch's FlopCounterMode counts the built nets."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    from gans_common import architectures as arch
    cfg = make_config(variant, width=width, extra_convs=extra)
    G, D = PT.pkg.build_models(cfg)
    nets = ("MLPGenerator", "MLPDiscriminator") if cfg.arch == "mlp" else ("DCGANGenerator", "DCGANDiscriminator")
    for net, name, x in ((G, nets[0], torch.zeros(1, cfg.z_dim)), (D, nets[1], torch.zeros(1, 1, 28, 28))):
        net.eval()
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            net(x)
        assert counter.get_total_flops() == sum(arch.forward_flops(arch.layers(name, cfg.z_dim, width, cfg.d_norm,
                                                                               extra)))


@pytest.mark.parametrize("variant", ["vanilla", "dcgan"])
def test_width_d_sizes_only_the_discriminator_in_both_twins(variant):
    """``width_d`` (0 = ``width``) widens D alone: G keeps its size; both twins build the same D, the weight
    transfer and the FLOP count read D's width from the config."""
    from benchmarks.flops import discriminator_layers, generator_layers
    from gans_common import transfer
    base = make_config(variant)
    wider = base.width + 16
    wide_d = base.replace(width_d=wider)
    (g_pt, d_pt), (g_tf, d_tf) = PT.pkg.build_models(wide_d), TF.pkg.build_models(wide_d)
    plain = PT.pkg.build_models(base)
    assert PT.pkg.count_params(g_pt) == PT.pkg.count_params(plain[0]) == TF.pkg.count_params(g_tf)
    assert PT.pkg.count_params(d_pt) == TF.pkg.count_params(d_tf) > PT.pkg.count_params(plain[1])
    assert PT.pkg.count_params(d_pt) == PT.pkg.count_params(PT.pkg.build_models(base.replace(width=wider))[1])
    shapes = [e.tf_shape for e in transfer.layout(d_pt, wide_d)]
    assert shapes == [tuple(v.shape) for v in d_tf.weights]
    assert generator_layers(wide_d) == generator_layers(base) and discriminator_layers(wide_d) != \
        discriminator_layers(base)


def test_width_d_must_be_a_positive_integer_or_zero():
    from gans_common.config import ConfigError
    assert make_config("dcgan").d_width == make_config("dcgan").width
    with pytest.raises(ConfigError, match="width_d must be a positive integer"):
        make_config("dcgan", width_d=-1)


@pytest.mark.parametrize("variant", ["dcgan", "wgan_gp"])
def test_extra_convs_add_3x3_blocks_at_7x7_in_both_nets_of_both_twins(variant):
    """``extra_convs`` = n adds n 3x3 stride-1 convolutions of 2w channels (their batch norm where the net has it) to
    G after its projection and to D after its second convolution; shapes stay, both twins count the same weights."""
    base = make_config(variant, width=32, extra_convs=0)
    deep = base.replace(extra_convs=2)
    (g_pt, d_pt), (g_tf, d_tf) = PT.pkg.build_models(deep), TF.pkg.build_models(deep)
    g0, d0 = PT.pkg.build_models(base)
    conv = 64 * 64 * 9  # 2w -> 2w channels, 3x3, no bias before batch norm
    d_block = conv + (2 * 64 if base.d_norm == "batch" else 64)  # gamma and beta, or the conv's bias
    assert PT.pkg.count_params(g_pt) == TF.pkg.count_params(g_tf) == PT.pkg.count_params(g0) + 2 * (conv + 2 * 64)
    assert PT.pkg.count_params(d_pt) == TF.pkg.count_params(d_tf) == PT.pkg.count_params(d0) + 2 * d_block
    z = np.zeros((3, deep.z_dim), np.float32)
    assert tuple(d_pt(g_pt(PT.tensor(z))).shape) == (3,) and tuple(d_tf(g_tf(TF.tensor(z))).shape) == (3,)


def test_extra_convs_are_for_the_dcgan_nets_only():
    from gans_common.config import ConfigError
    with pytest.raises(ConfigError, match="extra_convs adds convolutions to the dcgan nets; arch 'mlp'"):
        make_config("vanilla", extra_convs=1)
    with pytest.raises(ConfigError, match="extra_convs must be a non-negative integer"):
        make_config("dcgan", extra_convs=-1)
