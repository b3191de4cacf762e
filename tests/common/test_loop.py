"""The shared loop in both frameworks: run folder, reproducible seeds, interrupt + resume, divergence guard."""
import json
import os
import signal

import numpy as np
import pytest

from frameworks import BOTH
from gans_common import runs
from gans_common.config import make_config
from gans_common.callbacks import SampleGrid
from gans_common.loop import DivergenceError, fit, penalty_weights
from gans_common.mnist import load_mnist
from gans_common.runs import RunDirError
from gans_study.callbacks import QualityCurve

CFG = dict(train_subset=256, batch_size=32, epochs=2, width=8)  # 8 G steps per epoch


@pytest.fixture(scope="module")
def images():
    return load_mnist("train")[0][:256]


def watch():
    """The callbacks whose state a resume must restore: the grid's snapshots and the quality curve."""
    return [SampleGrid(), QualityCurve(500)]


def final_state(fw, trainer, run_dir):
    return fw.weights(trainer.G) + fw.weights(trainer.D), runs.load_history(run_dir)


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_run_folder_and_same_seed_same_losses(fw, images, tmp_path):
    cfg = make_config("dcgan", **CFG)
    _, record = fw.pkg.train(cfg, tmp_path / "a", progress=False, images=images)
    fw.pkg.train(cfg, tmp_path / "b", progress=False, images=images)
    for name in ("config.json", "losses.csv", "record.json", "samples.npz", "samples/epoch_002.png",
                 "checkpoint/state.json"):
        assert (tmp_path / "a" / name).exists(), name
    assert record["generator_steps"] == 16 and len(record["epoch_seconds"]) == 2
    assert "curve" not in record  # the library's default callbacks: the sample grid only
    assert runs.load_history(tmp_path / "a") == runs.load_history(tmp_path / "b")
    other_seed = fw.pkg.train(cfg.replace(seed=1), tmp_path / "c", progress=False, images=images)
    assert runs.load_history(tmp_path / "c")["d_loss"] != runs.load_history(tmp_path / "a")["d_loss"]
    del other_seed


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
@pytest.mark.parametrize("variant", ["vanilla", "wgan_gp"])
def test_interrupted_and_resumed_equals_uninterrupted(fw, variant, images, tmp_path):
    cfg = make_config(variant, **(CFG | {"k_steps": 2}))  # 4 G steps per epoch
    straight, straight_record = fw.pkg.train(cfg, tmp_path / "straight", progress=False, images=images,
                                             callbacks=watch())

    trainer = fw.pkg.Trainer(cfg, images)
    step = trainer.train_step
    calls = []

    def interrupt_at_step_6(i):  # Ctrl-C during the second epoch
        calls.append(i)
        if len(calls) == 6:
            os.kill(os.getpid(), signal.SIGINT)
        return step(i)

    trainer.train_step = interrupt_at_step_6
    with pytest.raises(KeyboardInterrupt):
        fit(trainer, cfg, tmp_path / "resumed", progress=False, callbacks=watch())
    state = json.loads((tmp_path / "resumed" / "checkpoint" / "state.json").read_text())
    assert (state["epoch"], state["step_in_epoch"]) == (1, 2)  # no finished step is lost
    resumed, resumed_record = fw.pkg.train(cfg, tmp_path / "resumed", resume=True, progress=False, images=images,
                                           callbacks=watch())
    assert [p["fid"] for p in resumed_record["curve"]] == [p["fid"] for p in straight_record["curve"]]
    w_straight, h_straight = final_state(fw, straight, tmp_path / "straight")
    w_resumed, h_resumed = final_state(fw, resumed, tmp_path / "resumed")
    assert h_resumed == h_straight  # bitwise equal losses
    assert all(np.array_equal(a, b) for a, b in zip(w_straight, w_resumed))


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_divergence_stops_with_step_loss_and_checkpoint(fw, images, tmp_path):
    cfg = make_config("vanilla", **CFG)
    trainer = fw.pkg.Trainer(cfg, images)
    step = trainer.train_step

    def nan_in_second_epoch(i, calls=[]):
        calls.append(i)
        out = step(i)
        return out * float("nan") if len(calls) > 10 else out

    trainer.train_step = nan_in_second_epoch
    with pytest.raises(DivergenceError, match=r"diverged at generator step 11 \(a loss became NaN or infinite: "
                                              r"d_loss=nan.*last good checkpoint "
                                              r".*checkpoint is kept"):
        fit(trainer, cfg, tmp_path, progress=False)
    assert json.loads((tmp_path / "checkpoint" / "state.json").read_text())["epoch"] == 1


def test_resume_errors(images, tmp_path):
    from gans_pt import train
    with pytest.raises(RunDirError, match="holds no checkpoint.*drop --resume"):
        train(make_config("vanilla", **CFG), tmp_path / "empty", resume=True, progress=False, images=images)
    train(make_config("vanilla", **(CFG | {"epochs": 1})), tmp_path / "v", progress=False, images=images)
    with pytest.raises(RunDirError, match="was trained with variant='vanilla' \\(asked: 'lsgan'\\).*new run folder"):
        train(make_config("lsgan", **CFG), tmp_path / "v", resume=True, progress=False, images=images)


def test_unwritable_run_folder(images, tmp_path):
    from gans_pt import train
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(RunDirError, match="cannot write to run folder .*choose a writable folder"):
        train(make_config("vanilla", **CFG), blocker / "run", progress=False, images=images)


def test_lazy_penalty_weighs_every_nth_critic_step_n_times_and_skips_the_rest():
    eager = make_config("wgan_gp")
    assert [penalty_weights(eager, i) for i in range(3)] == [(10.0,)] * 3
    lazy = make_config("wgan_gp", gp_every=4)  # one critic step per iteration
    assert [penalty_weights(lazy, i) for i in range(8)] == [(40.0,), (0.0,), (0.0,), (0.0,)] * 2
    # five critic steps per iteration: the count runs on across iterations, the mean weight stays gp_weight
    recipe = make_config("wgan_gp", k_steps=5, gp_every=2)
    weights = [w for i in range(4) for w in penalty_weights(recipe, i)]
    assert weights == [20.0, 0.0] * 10 and np.mean(weights) == recipe.gp_weight
    assert penalty_weights(make_config("dcgan", k_steps=2), 0) == (0.0, 0.0)  # no penalty without its loss
