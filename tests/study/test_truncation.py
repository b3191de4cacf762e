"""The truncation probe (Brock et al. 2019): its noise is the truncated normal, its untruncated row is the
published sampling of the reloaded checkpoint, and bad input gets a one-line error."""
import json

import numpy as np
import pytest
import scipy.stats

from frameworks import BOTH
from gans_common import loop
from gans_common.config import make_config
from gans_common.mnist import load_mnist
from gans_study import truncation
from gans_study.evaluate import evaluate

CFG = dict(train_subset=256, batch_size=32, epochs=1, width=8, ema_decay=0.9)  # 8 G steps


def test_noise_is_the_truncated_normal_seeded_by_the_run():
    cfg = make_config("dcgan", seed=3)
    z = truncation.truncated_noise(cfg, 4000, 1.0)
    assert z.shape == (4000, cfg.z_dim) and z.dtype == np.float32 and np.abs(z).max() <= 1.0
    np.testing.assert_array_equal(z, truncation.truncated_noise(cfg, 4000, 1.0))
    assert not np.array_equal(z, truncation.truncated_noise(cfg.replace(seed=4), 4000, 1.0))
    assert abs(z.std() - scipy.stats.truncnorm(-1, 1).std()) < 0.005  # 0.54, not N(0, 1)'s 1
    assert scipy.stats.kstest(z[:, 0], scipy.stats.truncnorm(-1, 1).cdf).pvalue > 0.01


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_a_finished_run_reloads_and_its_first_row_is_the_published_sampling(fw, tmp_path, monkeypatch, capsys):
    cfg = make_config("dcgan", **CFG)
    trainer, _ = fw.pkg.train(cfg, tmp_path / "run", progress=False, images=load_mnist("train")[0][:256],
                              callbacks=[])
    monkeypatch.setattr(truncation, "N_SAMPLES", 300)
    assert truncation.main([str(tmp_path / "run"), "--thresholds", "1", "--results-dir", str(tmp_path / "out")]) == 0
    record = json.loads((tmp_path / "out" / f"{fw.name}_dcgan_seed0_1ep.json").read_text())
    assert [r["threshold"] for r in record["rows"]] == [None, 1.0]
    assert record["framework"] == fw.name and record["config"] == json.loads(json.dumps(cfg.to_dict()))
    published = evaluate(loop.sample(trainer, cfg, 300))
    assert record["rows"][0]["metrics"]["fid"] == pytest.approx(published["fid"], rel=1e-4)
    assert record["rows"][1]["metrics"]["fid"] != pytest.approx(published["fid"], rel=1e-4)
    assert "; |z| <= 1: FID" in capsys.readouterr().out


def test_bad_input_is_one_line(tmp_path, capsys):
    (tmp_path / "unfinished").mkdir()
    with pytest.raises(SystemExit, match="has no record.json"):
        truncation.main([str(tmp_path / "unfinished"), "--results-dir", str(tmp_path / "out")])
    with pytest.raises(SystemExit):
        truncation.main([str(tmp_path), "--thresholds", "0"])
    assert "--thresholds must all be > 0" in capsys.readouterr().err
