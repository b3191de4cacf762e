"""The PyTorch GPU path: the CUDA-graph step equals the eager step (skipped without a CUDA device; run on a GPU
machine with ``python -m pytest tests/test_cuda.py -o addopts=""``, TensorFlow not needed)."""
import numpy as np
import pytest
import torch

import gans_pt
from gans_common.config import make_config
from gans_common.loop import epoch_order
from gans_common.mnist import load_mnist

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")


@pytest.fixture(autouse=True)
def deterministic_cudnn():
    """cuDNN's fastest convolution kernels sum in a varying order; Adam turns such last-bit differences of tiny
    gradients into visible weight differences within steps, so compare with deterministic kernels."""
    saved = torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False
    yield
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = saved


@pytest.fixture(scope="module")
def images():
    return load_mnist("train")[0][:640]


@pytest.mark.parametrize("variant, overrides", [("vanilla", {}), ("lsgan", {}), ("dcgan", {}), ("wgan_gp", {}),
                                                ("wgan_gp", {"gp_every": 2})])  # lazy: a 2nd graph captured mid-run
def test_graph_replay_equals_eager_steps(variant, overrides, images):
    cfg = make_config(variant, batch_size=32, **overrides)
    eager, graphed = (gans_pt.Trainer(cfg, images, compiled=g) for g in (False, True))
    assert graphed.compiled and not eager.compiled and graphed.device.startswith("cuda")
    losses = []
    for trainer in (eager, graphed):
        trainer.start_epoch(epoch_order(cfg, 0, len(images)))
        losses.append(trainer.to_numpy([trainer.train_step(i) for i in range(4)]))  # (4, 2)
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-4, atol=1e-6)  # warm-up undone: same start
    for net in ("G", "D"):
        for (name, a), b in zip(getattr(eager, net).state_dict().items(), getattr(graphed, net).state_dict().values()):
            np.testing.assert_allclose(b.cpu().numpy(), a.cpu().numpy(), rtol=1e-4, atol=1e-5, err_msg=name)
    z = np.random.default_rng(0).standard_normal((8, cfg.z_dim)).astype(np.float32)
    np.testing.assert_allclose(graphed.generate(z), eager.generate(z), atol=1e-4)


def test_graphed_run_saves_and_resumes(images, tmp_path):
    cfg = make_config("dcgan", batch_size=32, epochs=2, train_subset=320)
    straight, _ = gans_pt.train(cfg, tmp_path / "a", progress=False, images=images[:320])
    _, _ = gans_pt.train(cfg.replace(epochs=1), tmp_path / "b", progress=False, images=images[:320])
    resumed, _ = gans_pt.train(cfg, tmp_path / "b", resume=True, progress=False, images=images[:320])
    for a, b in zip(straight.G.parameters(), resumed.G.parameters()):
        np.testing.assert_allclose(b.detach().cpu().numpy(), a.detach().cpu().numpy(), rtol=1e-4, atol=1e-5)
