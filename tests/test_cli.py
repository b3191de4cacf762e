"""The command lines: bad input gives one clear line on stderr and exit code 2, in both packages."""
import json
import os
import subprocess
import sys

import numpy as np
import pytest


def run(pkg, *args):
    return subprocess.run([sys.executable, "-m", pkg, *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("pkg", ["gans_pt", "gans_tf"])
@pytest.mark.parametrize("args, message", [
    (["--variant", "bigan"], "error: unknown variant 'bigan': choose one of vanilla, lsgan, dcgan, wgan_gp"),
    (["--k-steps", "0"], "error: k_steps must be a positive integer, got 0"),
])
def test_bad_input_is_one_clear_line(pkg, args, message):
    result = run(pkg, *args, "--run-dir", "unused")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == message


@pytest.mark.parametrize("pkg", ["gans_pt", "gans_tf"])
def test_same_seed_in_two_processes_gives_the_same_losses(pkg, tmp_path):
    """Seeding must not depend on anything a process does before training (e.g. when initializers are made)."""
    args = ["--variant", "dcgan", "--width", "8", "--train-subset", "256", "--batch-size", "32", "--epochs", "1",
            "--no-progress"]
    for name in ("a", "b"):
        assert run(pkg, *args, "--run-dir", str(tmp_path / name)).returncode == 0
    losses = [(tmp_path / name / "losses.csv").read_text() for name in ("a", "b")]
    assert losses[0] == losses[1] and len(losses[0].splitlines()) == 9


def test_publish_records_what_the_notebook_does(tmp_path):
    """``--publish`` is the headless seeds' final cell: metrics with the memorised shares, interpolation strips."""
    args = ["--variant", "vanilla", "--train-subset", "256", "--batch-size", "64", "--epochs", "1", "--no-progress"]
    env = {**os.environ, "GANS_SMOKE": "1"}  # the smoke run's small final sample
    result = subprocess.run([sys.executable, "-m", "gans_pt", *args, "--run-dir", str(tmp_path / "run"),
                             "--publish", str(tmp_path / "results")], capture_output=True, text=True, timeout=600,
                            env=env)
    assert result.returncode == 0, result.stderr
    record = json.loads((tmp_path / "results" / "pytorch_vanilla_seed0.json").read_text())
    assert {"fid", "memorised_pixel", "memorised_feature"} <= set(record["metrics"])
    assert 0.0 <= record["metrics"]["memorised_pixel"] <= 1.0
    with np.load(tmp_path / "results" / "pytorch_vanilla_seed0.npz") as f:
        assert f["interpolation"].shape == (80, 28, 28) and f["interpolation"].dtype == np.uint8


def test_first_use_says_where_the_data_came_from(tmp_path):
    from gans_common.mnist import fetch_mnist
    env = {**os.environ, "GANS_MNIST_CACHE": str(tmp_path / "cache"), "MNIST_DIR": str(fetch_mnist(quiet=True))}
    args = ["--variant", "vanilla", "--train-subset", "64", "--batch-size", "32", "--epochs", "1", "--no-progress"]
    result = subprocess.run([sys.executable, "-m", "gans_pt", *args, "--run-dir", str(tmp_path / "run")],
                            capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"MNIST from folder {env['MNIST_DIR']}, verified, cached in " \
                                            f"{tmp_path / 'cache'}"
