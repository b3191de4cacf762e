"""The framework-neutral evaluator (gans_study.evaluate): numpy inference, metrics, input checks, isolation."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import scipy.linalg

from gans_study import evaluate as E
from gans_common.mnist import load_mnist

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def test_images():
    images, labels = load_mnist("test")
    return images, labels


# ------------------------------------------------------------------------------------------ numpy inference
def _torch_model():
    torch = pytest.importorskip("torch")
    from torch import nn
    p = E.load_classifier()
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(),
        nn.Linear(64, 10),
    )
    with torch.no_grad():
        for name, idx in {"conv1": 0, "conv2": 3, "fc1": 7, "fc2": 9}.items():
            model[idx].weight.copy_(torch.from_numpy(np.array(p[f"{name}_w"])))
            model[idx].bias.copy_(torch.from_numpy(np.array(p[f"{name}_b"])))
    return torch, model.eval()


def test_numpy_forward_matches_torch(test_images):
    torch, model = _torch_model()
    rng = np.random.default_rng(0)
    x = np.concatenate([E.as_images(test_images[0][:300]),
                        rng.uniform(-1, 1, (20, 28, 28)).astype(np.float32)])
    with torch.no_grad():
        t = torch.from_numpy(x).unsqueeze(1)
        feats_t = model[:9](t).numpy()
        logits_t = model(t).numpy()
    feats = E.features(x, batch_size=128)  # uneven last batch on purpose
    assert feats.shape == (len(x), 64) and feats.dtype == np.float64
    np.testing.assert_allclose(feats, feats_t, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(E.logits(x), logits_t, rtol=1e-4, atol=1e-4)
    np.testing.assert_array_equal(E.predict(x), logits_t.argmax(1))


def test_classifier_record_and_accuracy(test_images):
    """The committed weights are small, match their record, and reach the recorded >= 99% test accuracy."""
    npz = ROOT / "gans_study" / "classifier.npz"
    record = json.loads(npz.with_suffix(".json").read_text())
    assert npz.stat().st_size < 1_000_000
    assert record["weights_sha256"] == E.classifier_hash()
    assert record["test_accuracy"] >= 0.99
    assert all(a.dtype == np.float32 for a in E.load_classifier().values())
    images, labels = test_images
    accuracy = float((E.predict(images) == labels).mean())
    assert accuracy == pytest.approx(record["test_accuracy"], abs=2e-4)


# ------------------------------------------------------------------------------------------ Fréchet distance
def _random_cov(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def test_frechet_matches_direct_formula():
    rng = np.random.default_rng(1)
    for d in (1, 5, 16):
        mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
        s1, s2 = _random_cov(rng, d), _random_cov(rng, d)
        direct = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(s1 @ s2).real))
        # the symmetric form tr(sqrt(sqrt(S1) S2 sqrt(S1))) is the same quantity
        r1 = scipy.linalg.sqrtm(s1).real
        symmetric = float(np.sum((mu1 - mu2) ** 2) + np.trace(s1 + s2 - 2 * scipy.linalg.sqrtm(r1 @ s2 @ r1).real))
        got = E.frechet_distance(mu1, s1, mu2, s2)
        assert got == pytest.approx(direct, rel=1e-8, abs=1e-8)
        assert got == pytest.approx(symmetric, rel=1e-6, abs=1e-6)


def test_frechet_closed_forms():
    rng = np.random.default_rng(2)
    f = rng.normal(size=(2000, 8))
    mu, sigma = E.feature_stats(f)
    assert E.frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0, abs=1e-6)
    shift = rng.normal(size=8)
    assert E.frechet_distance(mu, sigma, mu + shift, sigma) == pytest.approx(float(shift @ shift), rel=1e-6)
    # 1-D Gaussians: (m1 - m2)^2 + (sd1 - sd2)^2
    assert E.frechet_distance([1.0], [[4.0]], [3.0], [[9.0]]) == pytest.approx(4 + 1)
    # singular covariances (dead ReLU units) are fine
    s = np.diag([1.0, 2.0, 0.0])
    assert E.frechet_distance(np.zeros(3), s, np.ones(3), s) == pytest.approx(3, abs=1e-5)


# ------------------------------------------------------------------------------------------------------- KID
def test_kid_unbiased_estimator_matches_brute_force():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(40, 6)), rng.normal(0.3, 1, size=(40, 6))

    def k(a, b):
        return (a @ b / 6 + 1) ** 3

    m = len(x)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    # one subset holding every row: the permutation does not change the estimate
    assert E.kid(x, y, n_subsets=1, subset_size=m) == pytest.approx(xx + yy - 2 * xy, rel=1e-9)


def test_kid_same_distribution_near_zero_shifted_positive():
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(2000, 16)), rng.normal(size=(2000, 16))
    shifted = rng.normal(0.5, 1, size=(2000, 16))
    same, diff = E.kid(a, b, n_subsets=20), E.kid(a, shifted, n_subsets=20)
    assert diff > 0.1
    assert abs(same) < 0.02 * diff
    assert E.kid(a, b, n_subsets=5, seed=7) == E.kid(a, b, n_subsets=5, seed=7)  # deterministic


# ------------------------------------------------------------------------------------------ precision/recall
def test_sq_distances_match_scipy_cdist():
    from scipy.spatial.distance import cdist

    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(300, 64)) * 3, rng.normal(size=(200, 64)) + 1
    np.testing.assert_allclose(E.sq_distances(a, b), cdist(a, b, "sqeuclidean"), rtol=1e-10, atol=1e-9)
    assert (E.sq_distances(a, a).diagonal() < 1e-9).all() and E.sq_distances(a, a).min() >= 0


def test_precision_recall():
    rng = np.random.default_rng(5)
    real = rng.normal(size=(500, 8))
    assert E.precision_recall(real, real.copy()) == (1.0, 1.0)
    assert E.precision_recall(real, real + 100.0) == (0.0, 0.0)
    # fakes collapsed onto a few real points: all precise, poor recall
    collapsed = np.repeat(real[:5], 20, axis=0)
    precision, recall = E.precision_recall(real, collapsed)
    assert precision == 1.0 and recall < 0.1
    # half the fakes far away: precision halves, recall unchanged
    mixed = np.concatenate([real[:250], real[:250] + 100.0])
    precision, recall = E.precision_recall(real, mixed)
    assert precision == pytest.approx(0.5)
    with pytest.raises(ValueError, match="more than 3 samples"):
        E.precision_recall(real, real[:3])


# ------------------------------------------------------------------------------------------- mode coverage
def test_mode_coverage_hand_made():
    pred = np.array([0] * 50 + [1] * 49 + [2] * 1)  # digit 2 holds exactly 1% = 10% of the uniform share
    out = E.mode_coverage(pred)
    assert out["histogram"] == [50, 49, 1, 0, 0, 0, 0, 0, 0, 0]
    assert out["digits_covered"] == 3
    p = np.array([0.5, 0.49, 0.01])
    assert out["kl_to_uniform"] == pytest.approx(float(np.sum(p * np.log(10 * p))))

    uniform = E.mode_coverage(np.repeat(np.arange(10), 7))
    assert uniform == {"histogram": [7] * 10, "digits_covered": 10, "kl_to_uniform": pytest.approx(0)}
    collapsed = E.mode_coverage(np.full(30, 4))
    assert collapsed["digits_covered"] == 1 and collapsed["kl_to_uniform"] == pytest.approx(np.log(10))
    below = E.mode_coverage(np.array([0] * 300 + [1] * 2))  # 2/302 < 1%
    assert below["digits_covered"] == 1
    for bad in (np.array([]), np.array([0.5]), np.array([10]), np.array([-1])):
        with pytest.raises(ValueError):
            E.mode_coverage(bad)


# ---------------------------------------------------------------------------------------------- as_images
def test_as_images_accepts_every_valid_form(test_images):
    u8 = test_images[0][:6]
    want = u8.astype(np.float32) / 127.5 - 1
    forms = {
        "uint8 NHW": u8, "uint8 NCHW": u8[:, None], "uint8 NHWC": u8[..., None],
        "float32 [-1,1]": want, "float64 [-1,1] NCHW": want[:, None].astype(np.float64),
        "float16 [-1,1] NHWC": want[..., None].astype(np.float16),
        "float32 [0,1]": u8.astype(np.float32) / 255, "float64 [0,1] NCHW": (u8 / 255.0)[:, None],
        "list": (u8.astype(np.float32) / 255).tolist(),
    }
    for name, x in forms.items():
        got = E.as_images(x)
        assert got.shape == (6, 28, 28) and got.dtype == np.float32, name
        np.testing.assert_allclose(got, want, atol=2e-3 if "16" in name else 1e-6, err_msg=name)
    # a tiny overshoot (e.g. float rounding after tanh) is clipped, not rejected
    assert E.as_images(np.full((1, 28, 28), -1.0005)).min() == -1


def test_as_images_accepts_tensors_without_importing_them_itself():
    torch = pytest.importorskip("torch")
    x = torch.rand(3, 1, 28, 28, requires_grad=True) * 2 - 1
    np.testing.assert_allclose(E.as_images(x), x.detach().numpy()[:, 0])


@pytest.mark.parametrize("bad, fragment", [
    (np.full((2, 28, 28), "a"), "unsupported dtype <U1"),
    (np.zeros((2, 28, 28), bool), "unsupported dtype bool"),
    (np.zeros((2, 28, 28), complex), "unsupported dtype complex128"),
    (np.zeros((2, 28, 28), np.int64), "unsupported dtype int64 (convert integer images to uint8)"),
    (np.zeros((2, 28, 28), object), "unsupported dtype object"),
    (np.zeros((0, 28, 28), np.uint8), "got no images (shape (0, 28, 28))"),
    (np.zeros((28, 28), np.uint8), "unsupported shape (28, 28) (a single image: add a batch axis)"),
    (np.zeros((2, 3, 28, 28), np.uint8), "unsupported shape (2, 3, 28, 28)"),
    (np.zeros((2, 784), np.float32), "unsupported shape (2, 784)"),
    (np.zeros((2, 32, 32), np.float32), "unsupported shape (2, 32, 32)"),
    (np.full((2, 28, 28), np.nan, np.float32), "1568 NaN or infinite pixel value(s)"),
    (np.full((1, 28, 28), -np.inf), "784 NaN or infinite pixel value(s)"),
    (np.full((2, 28, 28), 255.0), "float values span [255, 255], neither [-1, 1] nor [0, 1]"),
    (np.linspace(-3, 3, 2 * 784).reshape(2, 28, 28), "float values span [-3, 3], outside [-1, 1]"),
])
def test_as_images_rejects_bad_input(bad, fragment):
    with pytest.raises(ValueError) as info:
        E.as_images(bad)
    message = str(info.value)
    assert fragment in message
    assert "expected" in message and "\n" not in message


# ----------------------------------------------------------------------------------------- whole evaluator
def test_evaluate_real_and_broken_samples(test_images):
    images, labels = test_images
    real = E.evaluate(images[:1000], n_ref=2000)  # the reference itself: near-perfect scores
    assert set(real) == {"fid", "kid", "precision", "recall", "digits_covered", "kl_to_uniform", "histogram",
                         "n_samples", "n_ref", "reference", "dataset"}
    assert real["reference"] == "test"
    json.dumps(real)  # plain Python numbers only
    assert real["digits_covered"] == 10 and real["n_samples"] == 1000 and real["n_ref"] == 2000
    assert real["precision"] > 0.95 and real["recall"] > 0.4
    noise = E.evaluate(np.random.default_rng(6).uniform(-1, 1, (300, 28, 28)), n_ref=2000)
    # k-NN precision alone is lenient with noise (it lands inside the large balls of real outliers; see
    # Kynkäänniemi et al. on outliers): FID, KID and recall are what expose it
    assert noise["fid"] > 100 * real["fid"] and noise["kid"] > 100 * abs(real["kid"])
    assert noise["recall"] < 0.05 and noise["precision"] < real["precision"]
    ones = E.evaluate(images[labels == 1][:300], n_ref=2000)  # a collapsed "generator"
    assert ones["digits_covered"] == 1 and ones["kl_to_uniform"] > 2


def test_real_floor_small():
    floor = E.real_floor(n=1000)
    assert floor["n_samples"] == 1000 and floor["n_ref"] == 10000
    # FID is biased upwards at small N (about 2.9 with n=10000, about 13 with n=1000)
    assert floor["digits_covered"] == 10 and floor["precision"] > 0.8 and floor["recall"] > 0.5
    assert floor["fid"] < 30 and floor["kl_to_uniform"] < 0.05


def test_evaluate_imports_neither_framework():
    code = textwrap.dedent("""
        import sys
        from gans_study.evaluate import evaluate
        from gans_common.mnist import load_mnist
        images, _ = load_mnist("test")
        result = evaluate(images[:300])
        assert result["digits_covered"] == 10, result
        loaded = [m for m in ("torch", "tensorflow", "keras", "jax") if m in sys.modules]
        print("FRAMEWORKS", loaded)
    """)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "FRAMEWORKS []" in out.stdout, out.stdout


def test_training_reference_is_the_last_10k_training_images(test_images):
    """Selection scores against training images (the last 10k, which the floor does not use), reports on the test
    set: the same samples score differently against the two, and each against itself is near zero."""
    from gans_common.mnist import load_mnist
    train = load_mnist("train")[0]
    on_train = E.evaluate(train[50000:52000], n_ref=2000, reference="train")  # its first 2000 images
    on_test = E.evaluate(train[50000:52000], n_ref=2000, reference="test")
    assert on_train["reference"] == "train" and on_train["fid"] < 1e-3 and on_test["fid"] > 1
    with pytest.raises(ValueError, match="unknown reference 'val': choose one of test, train"):
        E.evaluate(train[:10], reference="val")


def test_each_dataset_is_scored_by_its_own_classifier():
    from gans_common.mnist import load_mnist
    fashion, _ = load_mnist("test", dataset="fashion-mnist")
    own = E.evaluate(fashion[:2000], n_ref=2000, dataset="fashion-mnist")
    assert own["dataset"] == "fashion-mnist" and own["fid"] < 5 and own["digits_covered"] == 10
    assert E.evaluate(fashion[:2000], n_ref=2000)["fid"] > 100 * own["fid"]  # MNIST's yardstick: far off
    assert E.classifier_hash(dataset="fashion-mnist") != E.classifier_hash()
    with pytest.raises(FileNotFoundError, match="python tools/train_classifier.py --dataset kmnist"):
        E.classifier_path("kmnist")
