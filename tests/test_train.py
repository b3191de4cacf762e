"""One training step of every variant, in both frameworks: finite losses, weights that move."""
import numpy as np
import pytest

from frameworks import BOTH
from gans_common.config import make_config
from gans_common.loop import epoch_order
from gans_common.mnist import load_mnist


@pytest.fixture(scope="module")
def images():
    return load_mnist("train")[0][:320]


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
@pytest.mark.parametrize("variant, overrides", [("vanilla", {}), ("vanilla", {"loss": "saturating", "k_steps": 2}),
                                                ("lsgan", {}), ("dcgan", {}), ("dcgan", {"loss": "lsgan"}),
                                                ("wgan_gp", {})])
def test_one_step_is_finite_and_moves_the_weights(fw, variant, overrides, images):
    cfg = make_config(variant, batch_size=16, batch_size_g=8, width=8, **overrides)
    trainer = fw.pkg.Trainer(cfg, images)
    g0, d0 = fw.weights(trainer.G), fw.weights(trainer.D)
    trainer.start_epoch(epoch_order(cfg, 0, len(images)))
    losses = trainer.to_numpy([trainer.train_step(0)])
    assert losses.shape == (1, 2) and np.isfinite(losses).all()
    for before, after in ((g0, fw.weights(trainer.G)), (d0, fw.weights(trainer.D))):
        assert any(not np.array_equal(b, a) for b, a in zip(before, after))
    assert trainer.weights_finite()
    samples = trainer.generate(np.zeros((3, cfg.z_dim), np.float32))
    assert samples.reshape(3, -1).shape == (3, 784) and np.abs(samples).max() <= 1
