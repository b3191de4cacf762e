"""Slerp: on the great circle between the endpoints, at angles linear in t; the strips' fixed latents."""
import numpy as np

from gans_study import interpolation as itp


def test_slerp_walks_the_great_circle():
    rng = np.random.default_rng(0)
    z0, z1 = rng.standard_normal(100), 2 * rng.standard_normal(100)
    t = np.linspace(0, 1, 7)
    path = itp.slerp(z0, z1, t)
    np.testing.assert_allclose(path[0], z0, atol=1e-12)
    np.testing.assert_allclose(path[-1], z1, atol=1e-12)
    u0, u1 = z0 / np.linalg.norm(z0), z1 / np.linalg.norm(z1)
    omega = np.arccos(u0 @ u1)
    unit = path / np.linalg.norm(path, axis=1, keepdims=True)
    np.testing.assert_allclose(np.arccos(np.clip(unit @ u0, -1, 1)), t * omega, atol=1e-9)  # angle linear in t
    np.testing.assert_allclose(np.linalg.norm(path, axis=1),
                               (1 - t) * np.linalg.norm(z0) + t * np.linalg.norm(z1))  # norm linear in t
    basis = np.linalg.qr(np.stack([z0, z1], 1))[0]  # every point in the plane of z0 and z1
    np.testing.assert_allclose(path - path @ basis @ basis.T, 0, atol=1e-9)


def test_parallel_endpoints_fall_back_to_the_line():
    z = np.ones(4)
    np.testing.assert_allclose(itp.slerp(z, 3 * z, np.array([0.5])), [2 * z])


def test_strips_are_fixed_for_every_model():
    a, b = itp.latent_paths(100), itp.latent_paths(100)
    assert a.shape == (itp.PAIRS * itp.STEPS, 100) and a.dtype == np.float32
    np.testing.assert_array_equal(a, b)
    seen = []
    out = itp.strips(lambda z: seen.append(z) or np.tanh(z[:, :1, None, None].repeat(28, 2).repeat(28, 3)), 100)
    assert out.shape == (80, 1, 28, 28) and np.array_equal(seen[0], a)
