"""Run records, their published copies, and the pictures made from them."""
import json

import numpy as np
import pytest

from gans_common import compare, plots, runs
from gans_common.config import make_config


def test_to_uint8_maps_tanh_range_to_bytes():
    x = np.array([-1.0, 0.0, 1.0, 1.5] + [0.0] * 780, np.float32).reshape(1, 1, 28, 28)
    out = plots.to_uint8(x)
    assert out.shape == (1, 28, 28) and out.dtype == np.uint8
    assert out.reshape(-1)[:4].tolist() == [0, 128, 255, 255]


def test_grid_tiles_images_in_rows():
    images = np.arange(12, dtype=np.uint8).reshape(12, 1, 1).repeat(28, 1).repeat(28, 2)
    g = plots.grid(images, nrow=5)
    assert g.shape == (3 * 30 + 2, 5 * 30 + 2)
    assert g[2, 2] == 0 and g[2 + 30, 2 + 30] == 6 and g[2 + 60, 2 + 30] == 11


def test_real_examples_are_ten_of_each_digit():
    labels = np.tile(np.arange(10), 20).astype(np.uint8)
    images = labels[:, None, None].repeat(28, 1).repeat(28, 2)
    ex = plots.real_examples(images, labels)
    assert ex.shape == (100, 28, 28) and ex[:, 0, 0].tolist() == sorted(ex[:, 0, 0].tolist())


def fake_run(tmp_path, framework="pytorch", variant="dcgan", epochs=3):
    cfg = make_config(variant, epochs=epochs)
    run_dir = runs.prepare_run_dir(tmp_path / "run", cfg, resume=False)
    hist = {"step": list(range(1, 1201)), "d_loss": [1.0] * 1200, "g_loss": [2.0] * 1200}
    runs.save_checkpoint(run_dir, lambda folder: None, dict(epoch=epochs, step_in_epoch=0, history=hist))
    snaps = np.zeros((epochs, 100, 28, 28), np.uint8)
    np.savez_compressed(run_dir / "samples.npz", samples=snaps[-1], snapshots=snaps)
    runs.write_json(run_dir / "record.json", dict(framework=framework, device="cpu", config=cfg.to_dict(),
                                                  epochs=epochs, wall_seconds=90.0, epoch_seconds=[30.0] * epochs,
                                                  commit="abc"))
    return run_dir


def test_publish_thins_losses_and_keeps_ten_snapshots(tmp_path):
    path = runs.publish(fake_run(tmp_path), tmp_path / "results", metrics={"fid": 1.5})
    record = json.loads(path.read_text())
    assert record["metrics"] == {"fid": 1.5} and len(record["losses"]["step"]) == 600
    rec, samples = runs.load_result(tmp_path / "results", "pytorch", "dcgan")
    assert samples["samples"].shape == (100, 28, 28) and samples["snapshots"].shape == (3, 10, 28, 28)
    assert runs.load_result(tmp_path / "results", "tensorflow", "dcgan") is None


def test_comparison_names_the_notebooks_of_missing_runs(tmp_path):
    runs.publish(fake_run(tmp_path), tmp_path / "results", metrics={
        "fid": 12.3, "kid": 0.5, "precision": 0.7, "recall": 0.6, "digits_covered": 10, "kl_to_uniform": 0.01})
    results = compare.load_all(tmp_path / "results")
    message = compare.missing_message(results)
    assert message.startswith("1 of 8 runs found") and "notebooks/tensorflow/dcgan.ipynb" in message
    table = compare.markdown_table(results)
    assert "| dcgan | PyTorch | 12.30 | 0.5 | 0.700 | 0.600 | 10 | 0.010 | 3 | 30.0 | 1.5 | cpu |" in table


def test_resume_state_round_trip(tmp_path):
    run_dir = fake_run(tmp_path)
    assert runs.read_checkpoint_state(run_dir)["epoch"] == 3
    assert runs.load_history(run_dir)["g_loss"][:2] == [2.0, 2.0]
    with pytest.raises(runs.RunDirError, match="holds no checkpoint"):
        runs.read_checkpoint_state(tmp_path)
