"""The EMA of G's weights (config ``ema_decay``; Yazici et al. 2019) in both twins: the weights follow the formula
(first update copies G, then ema <- d * ema + (1 - d) * G), the twins agree after a weight transfer, sampling uses
the EMA generator with its batch-norm statistics recomputed, and a resume restores it bit for bit."""
import numpy as np
import pytest

import gans_pt
import gans_tf
import torch
from frameworks import BOTH
from gans_common.callbacks import fixed_noise
from gans_common.config import make_config
from gans_common.mnist import load_mnist
from gans_common.transfer import pt_to_tf

DECAY = 0.9
CFG = dict(train_subset=256, batch_size=32, epochs=1, width=8, ema_decay=DECAY)  # 8 G steps


@pytest.fixture(scope="module")
def images():
    return load_mnist("train")[0][:256]


def ema_weights(fw, trainer):
    return fw.weights(trainer.G_ema.module if fw.name == "pytorch" else trainer.G_ema)


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
@pytest.mark.parametrize("variant", ["vanilla", "dcgan"])
def test_ema_weights_follow_the_formula(fw, variant, images):
    trainer = fw.pkg.Trainer(make_config(variant, **CFG), images)
    trainer.start_epoch(np.arange(len(images)))
    expected = None
    for i in range(5):
        trainer.train_step(i)
        g = fw.weights(trainer.G)
        expected = g if expected is None else [DECAY * e + (1 - DECAY) * w for e, w in zip(expected, g)]
        got = ema_weights(fw, trainer)
        assert all(np.allclose(a, b, rtol=1e-5, atol=1e-7) for a, b in zip(got, expected)), f"step {i + 1}"
    assert not all(np.array_equal(a, b) for a, b in zip(ema_weights(fw, trainer), fw.weights(trainer.G)))


@pytest.mark.parametrize("variant", ["vanilla", "dcgan"])
def test_twins_agree_after_a_weight_transfer(variant, images):
    """The same two G states moved into both twins give the same EMA weights and the same EMA samples (batch norm
    recomputed on the shared standing noise: PyTorch keeps the unbiased variance, Keras the biased one, 1/(n-1))."""
    cfg = make_config(variant, **CFG)
    pt, tfw = gans_pt.Trainer(cfg, images), gans_tf.Trainer(cfg, images)
    states = [{k: v.detach().numpy().copy() for k, v in pt.G.state_dict().items()}]
    with torch.no_grad():
        for p in pt.G.parameters():
            p.add_(torch.randn(p.shape, generator=torch.Generator().manual_seed(1)) * 0.01)
    states.append({k: v.detach().numpy().copy() for k, v in pt.G.state_dict().items()})
    for state in states:
        pt.G.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
        pt.update_ema()
        tfw.G.set_weights(pt_to_tf(state, pt.G, cfg))
        tfw.update_ema()
    pt_ema = {k: v.detach().numpy() for k, v in pt.G_ema.module.state_dict().items()}
    tf_ema = pt_to_tf(pt_ema, pt.G, cfg)
    trainable = [v.numpy() for v in tfw.G_ema.weights]
    for a, b, v in zip(trainable, tf_ema, tfw.G_ema.weights):
        if v.trainable:
            assert np.allclose(a, b, rtol=1e-6, atol=1e-7), v.path
    pt.ema_stale = tfw.ema_stale = True
    z = fixed_noise(cfg, 16)
    a, b = pt.generate(z), tfw.generate(z).transpose(0, 3, 1, 2)
    assert np.abs(a - b).max() < 1e-3


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_samples_come_from_the_ema_generator_and_resume_restores_it(fw, images, tmp_path):
    cfg = make_config("dcgan", **CFG | {"epochs": 2})
    straight, record = fw.pkg.train(cfg, tmp_path / "a", progress=False, images=images)
    z = fixed_noise(cfg, 8)
    live = fw.pkg.Trainer(cfg.replace(ema_decay=0.0), images)
    if fw.name == "tensorflow":
        live.G.set_weights(straight.G.get_weights())
    else:
        live.G.load_state_dict(straight.G.state_dict())
    assert not np.allclose(straight.generate(z), live.generate(z), atol=1e-3)  # the record scored the EMA G
    fw.pkg.train(cfg.replace(epochs=1), tmp_path / "b", progress=False, images=images)
    resumed, _ = fw.pkg.train(cfg, tmp_path / "b", resume=True, progress=False, images=images)
    assert all(np.array_equal(a, b) for a, b in zip(ema_weights(fw, straight), ema_weights(fw, resumed)))
    assert np.array_equal(straight.generate(z), resumed.generate(z))
    assert record["config"]["ema_decay"] == DECAY
