"""The truncation probe (Brock et al. 2019): its noise is the truncated normal, its untruncated row is the
published sampling of the reloaded checkpoint, run folders of both twins go in one call, and bad input gets a
one-line error."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.stats

from frameworks import BOTH
from gans_common import loop
from gans_common.config import make_config
from gans_common.mnist import load_mnist
from gans_study import truncation
from gans_study.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[2]
CFG = make_config("dcgan", train_subset=256, batch_size=32, epochs=1, width=8, ema_decay=0.9)  # 8 G steps


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """{framework: (run folder, trainer)}: one tiny finished run per twin."""
    images, out = load_mnist("train")[0][:256], tmp_path_factory.mktemp("runs")
    return {fw.name: (out / fw.name, fw.pkg.train(CFG, out / fw.name, progress=False, images=images,
                                                  callbacks=[])[0]) for fw in BOTH}


def test_noise_is_the_truncated_normal_seeded_by_the_run():
    cfg = make_config("dcgan", seed=3)
    z = loop.sample_noise(cfg, 4000, truncation.truncated(1.0))
    assert z.shape == (4000, cfg.z_dim) and z.dtype == np.float32 and np.abs(z).max() <= 1.0
    np.testing.assert_array_equal(z, loop.sample_noise(cfg, 4000, truncation.truncated(1.0)))
    assert not np.array_equal(z, loop.sample_noise(cfg.replace(seed=4), 4000, truncation.truncated(1.0)))
    assert abs(z.std() - scipy.stats.truncnorm(-1, 1).std()) < 0.005  # 0.54, not N(0, 1)'s 1
    assert scipy.stats.kstest(z[:, 0], scipy.stats.truncnorm(-1, 1).cdf).pvalue > 0.01


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_a_finished_run_reloads_and_its_first_row_is_the_published_sampling(fw, finished, tmp_path, capsys):
    run_dir, trainer = finished[fw.name]
    args = [str(run_dir), "--thresholds", "1", "--samples", "300", "--results-dir", str(tmp_path)]
    assert truncation.main(args) == 0
    record = json.loads((tmp_path / f"{fw.name}_dcgan_seed0_1ep.json").read_text())
    assert [r["threshold"] for r in record["rows"]] == [None, 1.0]
    assert record["framework"] == fw.name and record["config"] == json.loads(json.dumps(CFG.to_dict()))
    published = evaluate(loop.sample(trainer, CFG, 300))
    assert record["rows"][0]["metrics"]["fid"] == pytest.approx(published["fid"], rel=1e-4)
    assert record["rows"][1]["metrics"]["fid"] != pytest.approx(published["fid"], rel=1e-4)
    assert "; |z| <= 1: FID" in capsys.readouterr().out


def test_both_twins_in_one_call(finished, tmp_path):
    """In its own process, TensorFlow's run first: PyTorch loaded after TensorFlow crashed the process before."""
    args = [str(finished["tensorflow"][0]), str(finished["pytorch"][0]), "--thresholds", "1", "--samples", "100",
            "--results-dir", str(tmp_path)]
    done = subprocess.run([sys.executable, "-m", "gans_study.truncation", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(p.name for p in tmp_path.glob("*.json")) == ["pytorch_dcgan_seed0_1ep.json",
                                                               "tensorflow_dcgan_seed0_1ep.json"]


def test_bad_input_is_one_line_and_nothing_is_written(finished, tmp_path, capsys):
    (tmp_path / "unfinished").mkdir()
    with pytest.raises(SystemExit, match="unfinished has no record.json"):  # checked before the finished one runs
        truncation.main([str(finished["pytorch"][0]), str(tmp_path / "unfinished"), "--results-dir",
                         str(tmp_path / "out")])
    assert not list((tmp_path / "out").glob("*.json"))
    for bad, message in ((["--thresholds", "0"], "--thresholds must all be > 0"),
                         (["--samples", "5"], "--samples must be at least 10")):
        with pytest.raises(SystemExit):
            truncation.main([str(tmp_path), *bad])
        assert message in capsys.readouterr().err
