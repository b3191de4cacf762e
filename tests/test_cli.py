"""The command lines: bad input gives one clear line on stderr and exit code 2, in both packages."""
import subprocess
import sys

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
