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


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_a_lazy_penalty_is_the_eager_step_at_n_times_the_weight_or_at_none(fw, images):
    # gp_every=2: iteration 0 is the step of gp_weight 20, iteration 1 that of gp_weight 0 (same start, batch, noise)
    def step(i, **overrides):
        cfg = make_config("wgan_gp", batch_size=16, width=8, **overrides)
        trainer = fw.pkg.Trainer(cfg, images)
        trainer.start_epoch(epoch_order(cfg, 0, len(images)))
        return trainer.to_numpy([trainer.train_step(i)])[0], fw.weights(trainer.D)

    for i, eager_weight in ((0, 20.0), (1, 0.0)):
        (lazy_loss, lazy_d), (eager_loss, eager_d) = step(i, gp_every=2), step(i, gp_weight=eager_weight)
        np.testing.assert_allclose(lazy_loss, eager_loss, rtol=1e-6)
        for a, b in zip(lazy_d, eager_d):
            np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)
    assert not np.allclose(step(0, gp_every=2)[0], step(1, gp_every=2)[0])  # the two steps differ
