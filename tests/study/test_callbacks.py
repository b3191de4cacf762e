"""The study's callbacks, each alone on a short run: the quality curve's points and its resume."""
import numpy as np
import pytest

from frameworks import BOTH
from gans_common.config import make_config
from gans_common.mnist import load_mnist
from gans_study.callbacks import QualityCurve, curve_epochs, final_samples, study_callbacks

CFG = dict(train_subset=256, batch_size=32, epochs=2, width=8)  # 8 G steps per epoch


def test_curve_epochs_are_few_denser_early_and_end_at_the_last():
    assert curve_epochs(30) == [3, 6, 10, 15, 22, 30]
    assert curve_epochs(5) == [1, 2, 4, 5] and curve_epochs(1) == [1]


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_quality_curve_alone(fw, tmp_path):
    images = load_mnist("train")[0][:256]
    _, record = fw.pkg.train(make_config("dcgan", **CFG), tmp_path, progress=False, images=images,
                             callbacks=[QualityCurve(500)])
    curve = record["curve"]  # quality measured after epochs 1 and 2, evaluation time not counted as training
    assert [(p["epoch"], p["generator_steps"]) for p in curve] == [(1, 8), (2, 16)]
    assert all(np.isfinite(p["fid"]) and p["n_samples"] == 500 for p in curve)
    assert 0 < curve[0]["train_seconds"] < curve[1]["train_seconds"] == pytest.approx(record["wall_seconds"], abs=0.02)
    assert not (tmp_path / "samples.npz").exists()  # no grid callback: no grid


def test_smoke_switch_is_an_argument():
    assert [type(c).__name__ for c in study_callbacks(True)] == ["SampleGrid", "QualityCurve"]
    assert study_callbacks(True)[1].n_samples == 500 and study_callbacks(False)[1].n_samples == 5000
    assert (final_samples(True), final_samples(False)) == (1000, 10000)
