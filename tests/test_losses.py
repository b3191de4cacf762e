"""Each loss against hand-computed values, in both frameworks; the gradient penalty against closed forms."""
import math

import numpy as np
import pytest

from frameworks import BOTH

REAL, FAKE = [2.0, -1.0, 0.5], [-3.0, 0.0, 1.5]


def log_sigmoid(x):
    return -math.log1p(math.exp(-x))


def mean(xs):
    return sum(xs) / len(xs)


HAND = {  # the formulas of the papers, written out on Python floats
    "d_loss_bce": -mean([log_sigmoid(r) for r in REAL]) - mean([log_sigmoid(-f) for f in FAKE]),
    "g_loss_saturating": mean([log_sigmoid(-f) for f in FAKE]),          # E log(1 - D(G(z)))
    "g_loss_nonsaturating": -mean([log_sigmoid(f) for f in FAKE]),       # -E log D(G(z))
    "d_loss_lsgan": 0.5 * mean([(r - 1) ** 2 for r in REAL]) + 0.5 * mean([f ** 2 for f in FAKE]),
    "g_loss_lsgan": 0.5 * mean([(f - 1) ** 2 for f in FAKE]),
    "d_loss_wasserstein": mean(FAKE) - mean(REAL),
    "g_loss_wasserstein": -mean(FAKE),
}


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
@pytest.mark.parametrize("name", HAND)
def test_loss_matches_hand_value(fw, name):
    fn = getattr(fw.pkg, name)
    args = (fw.tensor(REAL), fw.tensor(FAKE)) if name.startswith("d_") else (fw.tensor(FAKE),)
    assert float(fn(*args)) == pytest.approx(HAND[name], rel=1e-6)


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_one_sided_label_smoothing(fw):
    want = -mean([0.9 * log_sigmoid(r) + 0.1 * log_sigmoid(-r) for r in REAL]) - mean([log_sigmoid(-f) for f in FAKE])
    assert float(fw.pkg.d_loss_bce(fw.tensor(REAL), fw.tensor(FAKE), 0.9)) == pytest.approx(want, rel=1e-6)


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_saturating_gradient_vanishes_where_d_rejects_fakes(fw):
    """Goodfellow et al. 2014, sec. 3: where D(G(z)) ~ 0 the minimax loss log(1 - D(G(z))) saturates, while
    -log D(G(z)) keeps a gradient of about 1 per sample."""
    logits = np.array([-10.0, -8.0], np.float32)  # D(G(z)) ~ 5e-5 and 3e-4
    g_sat = fw.grad(fw.pkg.g_loss_saturating, logits)
    g_non = fw.grad(fw.pkg.g_loss_nonsaturating, logits)
    assert np.all(np.abs(g_sat) < 2e-4) and np.allclose(np.abs(g_non), 0.5, atol=2e-4)  # mean over 2 -> 1/2
    # both push the logit up (descent increases D(G(z))), and both agree where D is fooled
    assert np.all(g_sat < 0) and np.all(g_non < 0)
    g_sat_hi, g_non_hi = (fw.grad(f, np.array([10.0], np.float32)) for f in
                          (fw.pkg.g_loss_saturating, fw.pkg.g_loss_nonsaturating))
    assert abs(g_sat_hi[0]) > 1e4 * abs(g_non_hi[0])  # and the roles swap where D(G(z)) ~ 1


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_losses_equal_across_frameworks(fw):
    other = BOTH[1 - BOTH.index(fw)]
    rng = np.random.default_rng(0)
    real, fake = rng.normal(size=64) * 3, rng.normal(size=64) * 3
    for d_fn, g_fn in fw.pkg.LOSSES.values():
        d_other, g_other = getattr(other.pkg, d_fn.__name__), getattr(other.pkg, g_fn.__name__)
        assert float(d_fn(fw.tensor(real), fw.tensor(fake))) == pytest.approx(
            float(d_other(other.tensor(real), other.tensor(fake))), rel=1e-6, abs=1e-6)
        assert float(g_fn(fw.tensor(fake))) == pytest.approx(float(g_other(other.tensor(fake))), rel=1e-6, abs=1e-6)


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_gradient_penalty_of_a_linear_critic_is_closed_form(fw):
    """C(x) = <w, x> has input gradient w everywhere, so the penalty is lambda (||w|| - 1)^2 for any alpha."""
    rng = np.random.default_rng(1)
    w = rng.normal(size=(1, 28, 28, 1)).astype(np.float32) * 0.05
    real, fake = rng.uniform(-1, 1, (4, 28, 28, 1)), rng.uniform(-1, 1, (4, 28, 28, 1))
    alpha = rng.uniform(size=(4, 1, 1, 1))
    W = fw.image_batch(w)
    critic = lambda x: (x * W).sum() if fw.name == "pytorch" else __import__("tensorflow").reduce_sum(x * W)  # noqa
    penalty = fw.pkg.gradient_penalty(critic, fw.image_batch(real), fw.image_batch(fake),
                                      fw.image_batch(alpha), weight=10.0)
    assert float(penalty) == pytest.approx(10.0 * (np.linalg.norm(w) - 1) ** 2, rel=1e-5)


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_gradient_penalty_uses_alpha_per_sample(fw):
    """C(x) = ||x||^2 / 2 has input gradient x, so the penalty is the mean of (||x_hat_i|| - 1)^2 with
    x_hat_i = alpha_i real_i + (1 - alpha_i) fake_i: each sample its own alpha."""
    rng = np.random.default_rng(2)
    real, fake = rng.uniform(-1, 1, (3, 28, 28, 1)), rng.uniform(-1, 1, (3, 28, 28, 1))
    alpha = np.array([0.0, 0.5, 1.0]).reshape(3, 1, 1, 1)
    x_hat = alpha * real + (1 - alpha) * fake
    want = np.mean([(np.linalg.norm(x) - 1) ** 2 for x in x_hat])

    def critic(x):  # gradient x: the penalty is the mean of (|x_hat| - 1)^2
        return 0.5 * (x * x).sum() if fw.name == "pytorch" else 0.5 * __import__("tensorflow").reduce_sum(x * x)

    penalty = fw.pkg.gradient_penalty(critic, fw.image_batch(real), fw.image_batch(fake), fw.image_batch(alpha),
                                      weight=1.0)
    assert float(penalty) == pytest.approx(want, rel=1e-5)
