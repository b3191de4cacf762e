"""Cross-framework parity: from the same weights (moved by ``gans_common.transfer``) the PyTorch and TensorFlow twins
compute the same outputs, the same losses and weight gradients, and one ``train_step`` leaves the same weights.

CPU, float32. Relative error = max|a - b| / (max|b| + 1e-12), per tensor; ``pytest -s`` prints every check and a
summary table. Conventions that differ by default between the frameworks, and how they are handled:

- batch norm momentum (PyTorch 0.1 = Keras 0.9), epsilon (Keras' default 1e-3) and LeakyReLU slope (Keras' default
  0.3): set equal in both ``models.py`` (checked below);
- Adam's epsilon: PyTorch adds it to the bias-corrected sqrt(v_hat) (Kingma & Ba 2015, Algorithm 1), Keras to sqrt(v)
  before the correction, 1/sqrt(1 - beta2^t) times larger in effect: ``gans_tf.train`` uses PyTorch's placement;
- batch norm's moving variance: PyTorch updates it with the unbiased batch variance (n / (n - 1)), Keras with the
  biased one (both normalise with the biased one). Not configurable in either framework: the single-pass test checks
  the exact relation, the train-step test allows 1 / (n - 1) relative (n = batch x 7 x 7 = 392: 2.6e-3);
- not a convention but float32: Adam's first step is lr * g / (|g| + eps), which amplifies round-off in a gradient
  element near or below eps (1e-8) by up to 1/eps. Tensors initialised to 0 (biases, beta) have max |w| ~ lr after
  one step, so there it shows: up to ~1e-2 of one step (seen: 8e-3 where g = -1e-9 and max |g| = 3e-4). They are
  checked at 5e-2; a wrong gradient or update rule gives O(1) (Keras' epsilon placement gave 0.8).
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # (torch, and triton, load before TensorFlow: conftest.py)

import tensorflow as tf  # noqa: E402

import gans_pt  # noqa: E402
import gans_tf  # noqa: E402
from gans_common import architectures, loop  # noqa: E402
from gans_common.config import make_config, recipe_config  # noqa: E402
from gans_common.transfer import layout, pt_to_tf, tf_to_pt  # noqa: E402

TOL_FORWARD = 1e-5   # outputs, loss values
TOL_GRAD = 1e-4      # weight gradients: a bias gradient is a sum over N x H x W terms with cancellation
TOL_STEP = 1e-4      # weights after one train_step
TOL_STEP_ZERO_INIT = 5e-2  # ... of tensors initialised to 0, i.e. of one Adam step (see the module docstring)
BATCH = 8
Z_DIM, WIDTH = 100, 32

ARCHS = {  # test id: (class name, constructor/transfer keywords, input: z or image)
    "MLPGenerator": ("MLPGenerator", {}, "z"),
    "MLPDiscriminator": ("MLPDiscriminator", {}, "image"),
    "DCGANGenerator": ("DCGANGenerator", {}, "z"),
    "DCGANDiscriminator-batch": ("DCGANDiscriminator", {"norm": "batch"}, "image"),
    "DCGANDiscriminator-none": ("DCGANDiscriminator", {"norm": "none"}, "image"),
    # config.extra_convs: 3x3 stride-1 convolutions at 7x7 (kernel layout, "same" padding, batch norm after them)
    "DCGANGenerator-extra": ("DCGANGenerator", {"extra_convs": 2}, "z"),
    "DCGANDiscriminator-batch-extra": ("DCGANDiscriminator", {"norm": "batch", "extra_convs": 1}, "image"),
    "DCGANDiscriminator-none-extra": ("DCGANDiscriminator", {"norm": "none", "extra_convs": 1}, "image"),
}


def bn_spatial(net: str, **params) -> dict[str, int]:
    """H*W of each batch norm's input, by PyTorch key prefix, from the layer table."""
    stack = architectures.layers(net, **params)
    shapes = architectures.spatial(stack)
    return {f"net.{i}": shapes[i][1] * shapes[i][2] for i, layer in enumerate(stack) if layer.kind == "batch_norm"}


SUMMARY = []


@pytest.fixture(autouse=True, scope="module")
def _summary():
    yield
    if SUMMARY:
        print("\n\nparity summary: largest relative difference per check")
        print(f"{'check':<34} {'case':<28} {'max rel':>9} {'tol':>7}  worst tensor")
        for check, case, err, tol, where in SUMMARY:
            print(f"{check:<34} {case:<28} {err:9.2e} {tol:7.0e}  {where}")


@pytest.fixture(autouse=True)
def _cpu():
    with tf.device("/CPU:0"):
        yield


def rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / (np.max(np.abs(b)) + 1e-12))


def check(name, case, err, tol, where=""):
    """Record and print one parity number, then assert it."""
    SUMMARY.append((name, case, err, tol, where))
    print(f"[parity] {name:<34} {case:<28} max rel {err:.2e} (tol {tol:.0e}) {where}")
    assert err <= tol, f"{name} {case}: relative difference {err:.3e} > {tol:.0e} {where}"


def check_dicts(name, case, got, want, tol, keys=None, tol_for=None):
    """``check`` on the worst tensor of two name -> array dicts (``want`` is the reference)."""
    errs = {k: rel(got[k], want[k]) for k in (keys or want)}
    if tol_for is None:
        worst = max(errs, key=errs.get)
        check(name, case, errs[worst], tol, worst)
        return
    groups = {}
    for k, e in errs.items():
        groups.setdefault(tol_for(k), []).append(k)
    for t, ks in sorted(groups.items()):
        worst = max(ks, key=errs.get)
        check(name if t == tol else f"{name} ({'zero-init' if t == TOL_STEP_ZERO_INIT else 'moving var'})", case,
              errs[worst], t, worst)


# --- helpers: numpy state in and out of each framework -----------------------------------------------------------

def pt_numpy_state(model):
    """A PyTorch module's state dict as numpy arrays (copies)."""
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def pt_load(model, state):
    model.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})


def tf_numpy_weights(model):
    return [v.numpy() for v in model.weights]


def tf_set(model, arrays):
    model.set_weights(arrays)


def pt_to_keras(pt_model, keras_model, **params):
    tf_set(keras_model, pt_to_tf(pt_numpy_state(pt_model), pt_model, **params))


def keras_to_pt(keras_model, pt_model, **params):
    pt_load(pt_model, tf_to_pt(tf_numpy_weights(keras_model), keras_model, **params))


def pt_grads(model):
    """name -> gradient; 0 where the loss does not depend on the parameter (e.g. the critic's last bias in the GP)."""
    return {k: np.zeros(tuple(p.shape), np.float32) if p.grad is None else p.grad.numpy().copy()
            for k, p in model.named_parameters()}


def tf_grads_as_pt(grads, model, **params):
    """TensorFlow gradients (in ``trainable_variables`` order, None = 0) as a PyTorch name -> gradient dict."""
    arrays = [np.zeros(tuple(v.shape), np.float32) if g is None else g.numpy()
              for g, v in zip(grads, model.trainable_variables)]
    return tf_to_pt(arrays, model, trainable_only=True, **params)


def nchw(x):
    return np.asarray(x).transpose(0, 3, 1, 2)


def nhwc(x):
    return np.asarray(x).transpose(0, 2, 3, 1)


def random_pt_state(state, rng):
    """Non-trivial values for every float tensor (BN statistics included), scaled to keep activations O(1)."""
    out = {}
    for k, v in state.items():
        if v.dtype.kind != "f":
            out[k] = v
        elif k.endswith("running_var"):
            out[k] = rng.uniform(0.5, 1.5, v.shape)
        elif v.ndim > 1:
            out[k] = rng.normal(0, 1 / np.sqrt(np.prod(v.shape[1:])), v.shape)
        else:  # biases, BN gamma and beta, running mean
            out[k] = rng.normal(1.0 if k.endswith("weight") else 0.0, 0.2, v.shape)
        out[k] = np.asarray(out[k], v.dtype)
    return out


def random_keras_weights(model, rng):
    out = []
    for v in model.weights:
        shape, name = tuple(v.shape), v.name
        if name == "moving_variance":
            w = rng.uniform(0.5, 1.5, shape)
        elif len(shape) > 1:
            w = rng.normal(0, 1 / np.sqrt(np.prod(shape[:-1])), shape)
        else:
            w = rng.normal(1.0 if name == "gamma" else 0.0, 0.2, shape)
        out.append(w.astype(np.float32))
    return out


def build_pair(arch):
    """(PyTorch model, Keras model, transfer keywords) of one ARCHS entry, each with its framework's initialisation."""
    cls, params, _ = ARCHS[arch]
    kw = {"MLPGenerator": dict(z_dim=Z_DIM), "MLPDiscriminator": {},
          "DCGANGenerator": dict(z_dim=Z_DIM, width=WIDTH, **params),
          "DCGANDiscriminator": dict(width=WIDTH, **params)}[cls]
    return getattr(gans_pt, cls)(**kw), getattr(gans_tf, cls)(**kw), params


def inputs(kind, rng, n=BATCH):
    """(PyTorch input, TensorFlow input): z (n, z_dim), or images in [-1, 1] as NCHW / NHWC."""
    if kind == "z":
        z = rng.standard_normal((n, Z_DIM)).astype(np.float32)
        return torch.from_numpy(z), tf.constant(z)
    x = rng.uniform(-1, 1, (n, 1, 28, 28)).astype(np.float32)
    return torch.from_numpy(x), tf.constant(nhwc(x))


def same_layout_output(y_tf):
    y = np.asarray(y_tf)
    return nchw(y) if y.ndim == 4 else y


# --- the weight transfer itself ------------------------------------------------------------------------------------

def test_transfer_module_imports_neither_framework():
    code = "import sys, gans_common.transfer; print(sorted({'torch', 'tensorflow', 'keras'} & set(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("arch", ARCHS)
def test_transfer_round_trip_and_order(arch):
    pt_model, tf_model, params = build_pair(arch)
    state = random_pt_state(pt_numpy_state(pt_model), np.random.default_rng(0))
    weights = pt_to_tf(state, pt_model, **params)
    assert [w.shape for w in weights] == [tuple(v.shape) for v in tf_model.weights]
    roles = [e.keras_role.split()[-1] for e in layout(pt_model, **params)]
    assert roles == [v.name for v in tf_model.weights]  # kernel, bias, gamma, beta, moving_mean, moving_variance
    back = tf_to_pt(weights, tf_model, **params)
    assert back.keys() == state.keys()
    for k in state:
        np.testing.assert_array_equal(back[k], state[k])
    parameters = {k: p.detach().numpy() for k, p in pt_model.named_parameters()}
    trainable = pt_to_tf(parameters, pt_model, trainable_only=True, **params)
    assert [w.shape for w in trainable] == [tuple(v.shape) for v in tf_model.trainable_variables]


def test_transfer_errors_name_the_layer_and_shapes():
    state = pt_numpy_state(gans_pt.DCGANGenerator(Z_DIM, WIDTH))
    with pytest.raises(ValueError, match=r"net\.0\.weight.*\(1568, 100\).*\(3136, 100\)"):
        pt_to_tf(state, "DCGANGenerator", width=16)
    weights = pt_to_tf(state, "DCGANGenerator", width=WIDTH)
    weights[3] = weights[3][:5]
    with pytest.raises(ValueError, match=r"net\.2\.running_mean.*\(64,\).*\(5,\)"):
        tf_to_pt(weights, "DCGANGenerator")
    with pytest.raises(ValueError, match=r"missing \['net\.2\.bias', 'net\.5\.weight', 'net\.5\.bias'\], "
                                         r"unexpected \['net\.3\.bias'"):
        pt_to_tf(pt_numpy_state(gans_pt.DCGANDiscriminator(WIDTH, "batch")), "DCGANDiscriminator", norm="none")
    with pytest.raises(ValueError, match="expected 12 Keras arrays"):
        tf_to_pt(weights[:-1], "DCGANGenerator")
    with pytest.raises(ValueError, match="unknown architecture"):
        pt_to_tf(state, "ResNet")


def test_conventions_set_equal_in_both_model_files():
    pm, tm = gans_pt.models, gans_tf.models
    assert pm.BN["momentum"] == pytest.approx(1 - tm.BN["momentum"]) and pm.BN["eps"] == tm.BN["epsilon"]
    assert pm.SLOPE == tm.SLOPE


def test_wrong_conventions_are_detected():
    """The forward checks are sensitive: a flipped transposed-conv kernel, or a dense layer next to a reshape
    without the (C, H, W) <-> (H, W, C) permutation, gives a large difference (so no flip is the right one)."""
    rng = np.random.default_rng(1)
    for arch, broken in (("DCGANGenerator", "flip"), ("DCGANGenerator", "project"),
                         ("DCGANDiscriminator-batch", "flat")):
        pt_model, tf_model, params = build_pair(arch)
        state = random_pt_state(pt_numpy_state(pt_model), rng)
        pt_load(pt_model, state)
        weights = pt_to_tf(state, pt_model, **params)
        entries = layout(pt_model, **params)
        for i, e in enumerate(entries):
            if broken == "flip" and e.kind == "conv_transpose":
                weights[i] = weights[i][::-1, ::-1]
            if broken in ("project", "flat") and e.kind == "dense":
                weights[i] = state[e.key].T
        tf_set(tf_model, weights)
        pt_model.eval()
        x_pt, x_tf = inputs(ARCHS[arch][2], rng)
        with torch.no_grad():
            err = rel(same_layout_output(tf_model(x_tf, training=False)), pt_model(x_pt).numpy())
        print(f"[parity] wrong convention {broken!r} on {arch}: max rel {err:.2e} (must be large)")
        assert err > 1e-2


# --- forward passes ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("direction", ["pt->tf", "tf->pt"])
@pytest.mark.parametrize("arch", ARCHS)
def test_forward(arch, direction):
    rng = np.random.default_rng(2)
    pt_model, tf_model, params = build_pair(arch)
    if direction == "pt->tf":
        pt_load(pt_model, random_pt_state(pt_numpy_state(pt_model), rng))
        pt_to_keras(pt_model, tf_model, **params)
    else:
        tf_set(tf_model, random_keras_weights(tf_model, rng))
        keras_to_pt(tf_model, pt_model, **params)
    x_pt, x_tf = inputs(ARCHS[arch][2], rng)
    for mode in ("eval", "train"):
        pt_model.train(mode == "train")
        with torch.no_grad():
            want = pt_model(x_pt).numpy()
        got = same_layout_output(tf_model(x_tf, training=mode == "train"))
        assert got.shape == want.shape
        check(f"forward {mode} {direction}", arch, rel(got, want), TOL_FORWARD)


@pytest.mark.parametrize("arch", ["DCGANGenerator", "DCGANDiscriminator-batch"])
def test_batchnorm_statistics_after_one_training_pass(arch):
    """Moving means agree; moving variances differ exactly by PyTorch's unbiased (n / (n - 1)) batch variance."""
    rng = np.random.default_rng(3)
    pt_model, tf_model, params = build_pair(arch)
    before = random_pt_state(pt_numpy_state(pt_model), rng)
    pt_load(pt_model, before)
    pt_to_keras(pt_model, tf_model, **params)
    x_pt, x_tf = inputs(ARCHS[arch][2], rng)
    pt_model.train()
    with torch.no_grad():
        pt_model(x_pt)
    tf_model(x_tf, training=True)
    got, want = tf_to_pt(tf_numpy_weights(tf_model), tf_model, **params), pt_numpy_state(pt_model)
    m = gans_pt.models.BN["momentum"]
    means = [k for k in want if k.endswith("running_mean")]
    check_dicts("BN moving mean, 1 train pass", arch, got, want, TOL_FORWARD, keys=means)
    raw, corrected = {}, {}
    for prefix, hw in bn_spatial(ARCHS[arch][0], **params).items():
        k, n = f"{prefix}.running_var", BATCH * hw
        raw[k] = rel(got[k], want[k])
        keras_rule = (1 - m) * before[k] + (want[k] - (1 - m) * before[k]) * (n - 1) / n  # biased batch variance
        corrected[k] = rel(got[k], keras_rule)
    worst = max(raw, key=raw.get)
    print(f"[parity] BN moving var as is (Bessel)      {arch:<28} max rel {raw[worst]:.2e} {worst}")
    worst = max(corrected, key=corrected.get)
    check("BN moving var, Bessel-corrected", arch, corrected[worst], TOL_FORWARD, worst)


# --- losses and their weight gradients -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def dcgan_pair():
    """DCGAN G and D (batch norm) with the same random weights in both frameworks, in training mode."""
    rng = np.random.default_rng(4)
    with tf.device("/CPU:0"):
        (g_pt, g_tf, _), (d_pt, d_tf, d_params) = build_pair("DCGANGenerator"), build_pair("DCGANDiscriminator-batch")
        for pt_model, tf_model, params in ((g_pt, g_tf, {}), (d_pt, d_tf, d_params)):
            pt_load(pt_model, random_pt_state(pt_numpy_state(pt_model), rng))
            pt_to_keras(pt_model, tf_model, **params)
    g_pt.train(), d_pt.train()
    return g_pt, g_tf, d_pt, d_tf, d_params


D_LOSSES = [("d_loss_bce", 1.0), ("d_loss_bce", 0.9), ("d_loss_lsgan", 1.0), ("d_loss_lsgan", 0.9),
            ("d_loss_wasserstein", 1.0)]
G_LOSSES = ["g_loss_saturating", "g_loss_nonsaturating", "g_loss_lsgan", "g_loss_wasserstein"]


@pytest.mark.parametrize("loss, real_label", D_LOSSES)
def test_discriminator_loss_and_gradients(dcgan_pair, loss, real_label):
    g_pt, g_tf, d_pt, d_tf, d_params = dcgan_pair
    rng = np.random.default_rng(5)
    z_pt, z_tf = inputs("z", rng)
    x_pt, x_tf = inputs("image", rng)
    d_pt.zero_grad()
    real_logits, fake_logits = d_pt(x_pt), d_pt(g_pt(z_pt).detach())
    value_pt = getattr(gans_pt, loss)(real_logits, fake_logits, real_label)
    value_pt.backward()
    fake_tf = g_tf(z_tf, training=True)
    with tf.GradientTape() as tape:
        value_tf = getattr(gans_tf, loss)(d_tf(x_tf, training=True), d_tf(fake_tf, training=True), real_label)
    grads = tf_grads_as_pt(tape.gradient(value_tf, d_tf.trainable_variables), d_tf, **d_params)
    case = f"{loss}(real_label={real_label})"
    # the Wasserstein loss is a difference of two means that nearly cancel: relative to the terms, not the result
    scale = max(abs(value_pt.item()), float(real_logits.abs().mean() + fake_logits.abs().mean()))
    check("loss value", case, abs(float(value_tf.numpy()) - value_pt.item()) / scale, TOL_FORWARD)
    check_dicts("loss grad wrt D weights", case, grads, pt_grads(d_pt), TOL_GRAD)


@pytest.mark.parametrize("loss", G_LOSSES)
def test_generator_loss_and_gradients(dcgan_pair, loss):
    g_pt, g_tf, d_pt, d_tf, _ = dcgan_pair
    z_pt, z_tf = inputs("z", np.random.default_rng(6))
    g_pt.zero_grad()
    value_pt = getattr(gans_pt, loss)(d_pt(g_pt(z_pt)))
    value_pt.backward()
    with tf.GradientTape() as tape:
        value_tf = getattr(gans_tf, loss)(d_tf(g_tf(z_tf, training=True), training=True))
    grads = tf_grads_as_pt(tape.gradient(value_tf, g_tf.trainable_variables), g_tf)
    check("loss value", loss, rel(value_tf.numpy(), value_pt.item()), TOL_FORWARD)
    check_dicts("loss grad wrt G weights", loss, grads, pt_grads(g_pt), TOL_GRAD)


def test_gradient_penalty_and_gradients():
    """Gulrajani et al. 2017 penalty on the DCGAN critic without batch norm, with one shared alpha (double backward)."""
    rng = np.random.default_rng(7)
    d_pt, d_tf, params = build_pair("DCGANDiscriminator-none")
    pt_load(d_pt, random_pt_state(pt_numpy_state(d_pt), rng))
    pt_to_keras(d_pt, d_tf, **params)
    (real_pt, real_tf), (fake_pt, fake_tf) = inputs("image", rng), inputs("image", rng)
    alpha = rng.uniform(size=(BATCH, 1, 1, 1)).astype(np.float32)  # broadcasts over NCHW and NHWC alike
    d_pt.train()
    d_pt.zero_grad()
    value_pt = gans_pt.gradient_penalty(d_pt, real_pt, fake_pt, torch.from_numpy(alpha), 10.0)
    value_pt.backward()
    with tf.GradientTape() as tape:
        value_tf = gans_tf.gradient_penalty(lambda x: d_tf(x, training=True), real_tf, fake_tf, tf.constant(alpha),
                                            10.0)
    grads = tf_grads_as_pt(tape.gradient(value_tf, d_tf.trainable_variables), d_tf, **params)
    check("loss value", "gradient_penalty", rel(value_tf.numpy(), value_pt.item()), TOL_FORWARD)
    check_dicts("loss grad wrt D weights", "gradient_penalty", grads, pt_grads(d_pt), TOL_GRAD)


# --- one full training step ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("variant, extra, gp_every", [("vanilla", 0, 1), ("lsgan", 0, 1), ("dcgan", 0, 1),
                                                      ("wgan_gp", 0, 1), ("dcgan", 1, 1), ("wgan_gp", 1, 1),
                                                      ("wgan_gp", 0, 2)])
def test_train_step(variant, extra, gp_every):
    # k_steps, lrs, betas, loss, architecture of the papers' recipes, where the tolerances were set: Adam's
    # first-step round-off (module docstring) grows with lr, and the presets' G lr of 1e-3 is five times DCGAN's.
    # gp_every=2: the recipe's five critic steps alternate the penalty at twice its weight with none (lazy)
    cfg = recipe_config(variant, batch_size=BATCH, extra_convs=extra, gp_every=gp_every)
    gp_weights = loop.penalty_weights(cfg, 0)  # the Trainer's first iteration: every step's weight if not lazy
    torch.manual_seed(0)
    g_pt, d_pt = gans_pt.build_models(cfg)
    g_tf, d_tf = gans_tf.build_models(cfg)
    before = {}
    for name, pt_model, tf_model in (("G", g_pt, g_tf), ("D", d_pt, d_tf)):
        before[name] = pt_numpy_state(pt_model)
        pt_to_keras(pt_model, tf_model, cfg=cfg)  # the framework's own initialisation, in both
    opts_pt, opts_tf = gans_pt.make_optimizers(g_pt, d_pt, cfg), gans_tf.make_optimizers(g_tf, d_tf, cfg)
    rng, k = np.random.default_rng(8), cfg.k_steps
    reals = rng.uniform(-1, 1, (k, BATCH, 1, 28, 28)).astype(np.float32)
    z_d = rng.standard_normal((k, BATCH, cfg.z_dim)).astype(np.float32)
    z_g = rng.standard_normal((cfg.g_batch, cfg.z_dim)).astype(np.float32)
    alpha = rng.uniform(size=(k, BATCH, 1, 1, 1)).astype(np.float32)
    g_pt.train(), d_pt.train()
    losses_pt = gans_pt.train_step(g_pt, d_pt, *opts_pt, torch.from_numpy(reals), torch.from_numpy(z_d),
                                   torch.from_numpy(z_g), torch.from_numpy(alpha), cfg, gp_weights).numpy()
    # traced, as the Trainer runs it
    step_tf = tf.function(lambda *batch: gans_tf.train_step(g_tf, d_tf, *opts_tf, *batch, cfg, gp_weights))
    losses_tf = step_tf(tf.constant(reals.transpose(0, 1, 3, 4, 2)), tf.constant(z_d), tf.constant(z_g),
                        tf.constant(alpha)).numpy()
    check("train_step losses (D, G)", variant, rel(losses_tf, losses_pt), TOL_FORWARD)
    n = BATCH * 7 * 7  # the smallest batch-norm sample (7x7 maps)
    for name, pt_model, tf_model in (("G", g_pt, g_tf), ("D", d_pt, d_tf)):
        want = pt_numpy_state(pt_model)
        got = tf_to_pt(tf_numpy_weights(tf_model), tf_model, cfg=cfg)
        keys = [k for k in want if want[k].dtype.kind == "f"]
        moved = [k for k in keys if "running" not in k and not np.array_equal(want[k], before[name][k])]
        assert moved, "the step must move the weights"

        def tol_for(key):
            if key.endswith("running_var"):
                return 1 / (n - 1)
            zero_init = "running" not in key and not np.any(before[name][key])  # biases, beta
            return TOL_STEP_ZERO_INIT if zero_init else TOL_STEP

        check_dicts(f"train_step weights {name}", variant, got, want, TOL_STEP, keys=keys, tol_for=tol_for)
