"""One training step for every variant, and the trainer the shared loop drives (PyTorch twin of ``gans_tf.train``)."""
from pathlib import Path

import numpy as np
import torch

from gans_common import loop, mnist
from gans_common.config import GANConfig

from .losses import LOSSES, gradient_penalty
from .models import build_models

__all__ = ["pick_device", "images_to_tensor", "make_optimizers", "train_step", "Trainer", "train"]


def pick_device():
    """CUDA if present, else Apple MPS, else CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def images_to_tensor(images, device="cpu"):
    """uint8 (N, 28, 28) -> float32 (N, 1, 28, 28) in [-1, 1], on ``device``, converted there (4x fewer bytes moved)."""
    x = torch.from_numpy(np.array(images, np.uint8)).to(device)  # a copy: torch wants writable memory
    return (x.float() / 127.5 - 1.0).unsqueeze(1)


def make_optimizers(G, D, cfg):
    """Adam for each net with the config's learning rates and betas; eps 1e-8 (Keras' default is 1e-7)."""
    adam = lambda params, lr: torch.optim.Adam(params, lr=lr, betas=(cfg.beta1, cfg.beta2), eps=1e-8)  # noqa: E731
    return adam(G.parameters(), cfg.lr_g), adam(D.parameters(), cfg.lr_d)


def train_step(G, D, opt_g, opt_d, reals, z_d, z_g, alpha, cfg):
    """k discriminator steps, then one generator step; the same code for every variant.

    reals: (k, B, 1, 28, 28) real batches; z_d: (k, B, z_dim) noise for the D steps; z_g: (B_g, z_dim) noise for
    the G step; alpha: (k, B, 1, 1, 1) interpolation weights of the gradient penalty (used only for the
    Wasserstein loss). Returns the detached (D loss of the last D step, G loss) as one (2,) tensor.
    """
    d_loss_fn, g_loss_fn = LOSSES[cfg.loss]
    for real, z, a in zip(reals, z_d, alpha):
        fake = G(z).detach()  # D's step must not update G
        d_loss = d_loss_fn(D(real), D(fake), cfg.real_label)
        if cfg.loss == "wasserstein":
            d_loss = d_loss + gradient_penalty(D, real, fake, a, cfg.gp_weight)
        opt_d.zero_grad(set_to_none=True)
        d_loss.backward()
        opt_d.step()
    D.requires_grad_(False)  # G's step needs gradients through D, not of D's weights: a third less backward work
    g_loss = g_loss_fn(D(G(z_g)))
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_g.step()
    D.requires_grad_(True)
    return torch.stack([d_loss.detach(), g_loss.detach()])


class Trainer:
    """Holds nets, optimizers, the whole training set as one tensor on the device, and the noise generator."""

    framework = "pytorch"

    def __init__(self, cfg: GANConfig, images):
        self.cfg = cfg
        self.torch_device = pick_device()
        self.device = _describe(self.torch_device)
        torch.manual_seed(cfg.seed)  # weight initialisation
        self.G, self.D = (m.to(self.torch_device) for m in build_models(cfg))
        self.opt_g, self.opt_d = make_optimizers(self.G, self.D, cfg)
        self.data = images_to_tensor(images, self.torch_device)  # (N, 1, 28, 28), the whole training set
        self.n_images = len(images)
        self.rng = torch.Generator(self.torch_device).manual_seed(cfg.seed)  # z and alpha

    def start_epoch(self, perm):
        self.perm = torch.as_tensor(perm, device=self.torch_device)

    def train_step(self, i):
        cfg, k, b, dev = self.cfg, self.cfg.k_steps, self.cfg.batch_size, self.torch_device
        reals = self.data[self.perm[i * k * b:(i + 1) * k * b]].view(k, b, 1, 28, 28)
        z_d = torch.randn(k, b, cfg.z_dim, generator=self.rng, device=dev)
        alpha = (torch.rand(k, b, 1, 1, 1, generator=self.rng, device=dev) if cfg.loss == "wasserstein"
                 else torch.zeros(k, b, 1, 1, 1, device=dev))
        z_g = torch.randn(cfg.g_batch, cfg.z_dim, generator=self.rng, device=dev)
        self.G.train(), self.D.train()
        return train_step(self.G, self.D, self.opt_g, self.opt_d, reals, z_d, z_g, alpha, cfg)

    def to_numpy(self, losses):
        return torch.stack(losses).cpu().numpy()

    @torch.no_grad()
    def generate(self, z):
        self.G.eval()  # batch norm uses its running statistics when sampling
        out = self.G(torch.as_tensor(z, device=self.torch_device)).cpu().numpy()
        self.G.train()
        return out

    def weights_finite(self):
        return all(bool(torch.isfinite(p).all()) for p in [*self.G.parameters(), *self.D.parameters()])

    def save(self, folder):
        torch.save(dict(G=self.G.state_dict(), D=self.D.state_dict(), opt_g=self.opt_g.state_dict(),
                        opt_d=self.opt_d.state_dict(), rng=self.rng.get_state()), Path(folder) / "model.pt")

    def load(self, folder):
        state = torch.load(Path(folder) / "model.pt", map_location=self.torch_device)
        self.G.load_state_dict(state["G"]), self.D.load_state_dict(state["D"])
        self.opt_g.load_state_dict(state["opt_g"]), self.opt_d.load_state_dict(state["opt_d"])
        self.rng.set_state(state["rng"].cpu())


def train(cfg: GANConfig, run_dir, resume=False, progress=True, images=None):
    """Train ``cfg`` on MNIST (or on ``images``, uint8 (N, 28, 28)); returns (trainer, run record)."""
    if images is None:
        images = loop.select_images(*mnist.load_mnist("train"), cfg)
    trainer = Trainer(cfg, images)
    return trainer, loop.fit(trainer, cfg, run_dir, resume=resume, progress=progress)


def _describe(device):
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type
