"""The degradations the yardstick's scale is made of: checked against scipy, known shifts and their own definitions."""
import json

import numpy as np
import pytest
import scipy.ndimage

from gans_study import calibration as cal


def digits(n=4, seed=0):
    """(n, 28, 28) float images in [0, 1]: a bright square on black, somewhere inside the frame."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, 28, 28))
    for img, (r, c) in zip(x, rng.integers(6, 18, (n, 2))):
        img[r:r + 5, c:c + 5] = 1.0
    return x


def test_noise_has_its_sigma_and_stays_in_range():
    grey = np.full((50, 28, 28), 0.5)
    noisy = cal.add_noise(grey, 0.1, np.random.default_rng(0))
    assert abs((noisy - grey).mean()) < 2e-3 and abs((noisy - grey).std() - 0.1) < 2e-3
    clipped = cal.add_noise(digits(), 0.3, np.random.default_rng(0))
    assert clipped.min() >= 0.0 and clipped.max() <= 1.0


def test_blur_is_scipy_per_image_and_never_across_the_batch():
    x = digits(3)
    x[1] = 0.0  # an empty image next to two full ones stays empty
    out = cal.blur(x, 0.5)
    assert not out[1].any()
    for img, got in zip(x, out):
        np.testing.assert_allclose(got, scipy.ndimage.gaussian_filter(img, 0.5, mode="constant"), atol=1e-12)
    np.testing.assert_allclose(out.sum(axis=(1, 2)), x.sum(axis=(1, 2)), rtol=1e-3)  # ink kept (the square is inside)


def test_warp_by_a_constant_field_is_a_shift():
    x = digits(2)
    fields = np.zeros((2, 2, 28, 28))
    fields[:, 1] = 1.0  # sample one column to the right: the image moves one column left
    np.testing.assert_allclose(cal.warp(x, fields), np.roll(x, -1, axis=2), atol=1e-12)
    np.testing.assert_allclose(cal.warp(x, np.zeros_like(fields)), x, atol=1e-12)


def test_displacement_fields_have_the_rms_amplitude_and_are_smooth():
    f = cal.displacement_fields(5, (28, 28), 2.0, 3.0, np.random.default_rng(0))
    assert f.shape == (5, 2, 28, 28)
    np.testing.assert_allclose(np.sqrt((f ** 2).sum(axis=1).mean(axis=(1, 2))), 2.0)
    assert np.abs(np.diff(f, axis=-1)).mean() < 0.3 * np.abs(f).mean()  # neighbours move together (iid: > 1)
    g = cal.displacement_fields(5, (28, 28), 2.0, 3.0, np.random.default_rng(1))
    assert not np.allclose(f, g)  # a field per seed and image


def test_degrade_is_seeded_and_rejects_unknown_kinds():
    x = (digits() * 255).astype(np.uint8)
    np.testing.assert_allclose(cal.degrade(x, "none", {}), x / 255.0)
    for name, kind, params in cal.DEGRADATIONS:
        a, b = cal.degrade(x, kind, params, seed=3), cal.degrade(x, kind, params, seed=3)
        np.testing.assert_array_equal(a, b)
        assert a.shape == x.shape and a.min() >= 0.0 and a.max() <= 1.0 + 1e-9, name
    with pytest.raises(ValueError, match="unknown degradation 'jpeg': choose one of none, noise, blur, elastic"):
        cal.degrade(x, "jpeg", {})


def test_main_writes_a_record_that_names_its_command_seed_and_rows(tmp_path, monkeypatch, capsys):
    rows = [{"name": name, "kind": kind, "params": params,
             "metrics": {"fid": 1.0 + i, "precision": 0.5, "recall": 0.25, "n_samples": 10000}}
            for i, (name, kind, params) in enumerate(cal.DEGRADATIONS)]
    seen = {}
    monkeypatch.setattr(cal, "calibrate", lambda seed, dataset: seen.update(seed=seed, dataset=dataset) or rows)
    assert cal.main(["--seed", "7", "--results-dir", str(tmp_path)]) == 0
    record = json.loads((tmp_path / "mnist.json").read_text())
    assert seen == {"seed": 7, "dataset": "mnist"} and record["seed"] == 7 and record["n_images"] == 10000
    assert record["command"] == f"python -m gans_study.calibration --seed 7 --results-dir {tmp_path}"
    assert [r["name"] for r in record["rows"]] == [d[0] for d in cal.DEGRADATIONS] and record["commit"]
    lines = cal.summary_lines(record)
    assert lines[1] == "pixel noise sigma 0.1: FID 2.0, precision 0.50, recall 0.25"
    assert lines[-2:] == [f"{name} against real digits: precision 0.50 -> 0.50 (not higher), recall 0.25 -> 0.25"
                          for name, kind, _ in cal.DEGRADATIONS if kind == "blur"]
    assert "written to" in capsys.readouterr().out
