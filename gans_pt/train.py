"""One training step for every variant, and the trainer the shared loop drives (PyTorch twin of ``gans_tf.train``)."""
from pathlib import Path

import numpy as np
import torch
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn, update_bn

from gans_common import loop
from gans_common.config import GANConfig

from .losses import LOSSES, gradient_penalty
from .models import build_models

__all__ = ["pick_device", "images_to_tensor", "make_optimizers", "d_logits", "train_step", "Trainer", "train"]


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
    """Adam for each net with the config's learning rates and betas; eps 1e-8 (Keras' default is 1e-7).
    The fused kernel on CPU and CUDA: one pass over each tensor instead of one per Adam operation (benchmarks/
    README.md compares it with PyTorch's default on CPU). On CUDA also capturable: step counts stay on the GPU,
    so the update needs no host sync and a CUDA graph can hold it."""
    device = next(G.parameters()).device.type
    options = dict(betas=(cfg.beta1, cfg.beta2), eps=1e-8, fused=device in ("cpu", "cuda") or None,
                   capturable=device == "cuda")
    return (torch.optim.Adam(G.parameters(), lr=cfg.lr_g, **options),
            torch.optim.Adam(D.parameters(), lr=cfg.lr_d, **options))


def d_logits(D, real, fake, cfg):
    """D's logits of the real and of the fake batch. One call on both stacked (half the kernel launches, larger
    matrix products; the same numbers for nets without batch norm) unless D has batch norm, whose statistics
    must come from each batch alone, as in the DCGAN reference code."""
    if cfg.arch == "dcgan" and cfg.d_norm == "batch":
        return D(real), D(fake)
    logits = D(torch.cat([real, fake]))
    return logits[:len(real)], logits[len(real):]


def train_step(G, D, opt_g, opt_d, reals, z_d, z_g, alpha, cfg, gp_weights=None):
    """k discriminator steps, then one generator step; the same code for every variant.

    reals: (k, B, 1, 28, 28) real batches; z_d: (k, B, z_dim) noise for the D steps; z_g: (B_g, z_dim) noise for
    the G step; alpha: (k, B, 1, 1, 1) interpolation weights of the gradient penalty (used only for the
    Wasserstein loss); gp_weights: the penalty's weight in each D step (``loop.penalty_weights``; 0 skips it),
    ``cfg.gp_weight`` in all by default. Returns the detached (D loss of the last D step, G loss) as one (2,) tensor.
    """
    d_loss_fn, g_loss_fn = LOSSES[cfg.loss]
    gp_weights = (cfg.gp_weight,) * len(reals) if gp_weights is None else gp_weights
    for real, z, a, w in zip(reals, z_d, alpha, gp_weights):
        fake = G(z).detach()  # D's step must not update G
        d_loss = d_loss_fn(*d_logits(D, real, fake, cfg), cfg.real_label)
        if cfg.loss == "wasserstein" and w:
            d_loss = d_loss + gradient_penalty(D, real, fake, a, w)
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
    """Holds nets, optimizers, the whole training set as one tensor on the device, and the noise generator.

    On CUDA the step (k D updates, one G update, Adam included) is captured once (per penalty schedule, see
    ``loop.penalty_weights``) as a CUDA graph and replayed: one launch instead of hundreds, which is what small
    nets are bound by on a GPU. Gathering the batch and drawing the noise stay outside the graph, from the same
    generator, so the numbers equal the eager step's.
    ``compiled=False`` keeps the eager step (the benchmark compares both; the twin parameter is XLA in TensorFlow).
    """

    framework = "pytorch"

    def __init__(self, cfg: GANConfig, images, compiled: bool | None = None):
        self.cfg = cfg
        self.torch_device = pick_device()
        self.device = _describe(self.torch_device)
        self.compiled = self.torch_device.type == "cuda" if compiled is None else compiled
        torch.manual_seed(cfg.seed)  # weight initialisation
        self.G, self.D = (m.to(self.torch_device) for m in build_models(cfg))
        if self.torch_device.type == "cpu" and cfg.arch == "dcgan":  # oneDNN's convolutions are faster on NHWC
            self.G, self.D = (m.to(memory_format=torch.channels_last) for m in (self.G, self.D))
        self.opt_g, self.opt_d = make_optimizers(self.G, self.D, cfg)
        self.data = images_to_tensor(images, self.torch_device)  # (N, 1, 28, 28), the whole training set
        self.n_images = len(images)
        self.rng = torch.Generator(self.torch_device).manual_seed(cfg.seed)  # z and alpha
        k, b, dev = cfg.k_steps, cfg.batch_size, self.torch_device
        self.inputs = dict(reals=torch.empty(k, b, 1, 28, 28, device=dev), z_d=torch.empty(k, b, cfg.z_dim, device=dev),
                           alpha=torch.zeros(k, b, 1, 1, 1, device=dev), z_g=torch.empty(cfg.g_batch, cfg.z_dim, device=dev))
        self.graphs = {}  # {penalty weights (loop.penalty_weights): (CUDA graph of the step, its loss tensor)}
        # EMA of G's weights (Yazici et al. 2019): the first update copies G, then ema <- d * ema + (1 - d) * G.
        # Its batch-norm statistics are not averaged but recomputed before sampling ("standing statistics").
        self.G_ema = (AveragedModel(self.G, multi_avg_fn=get_ema_multi_avg_fn(cfg.ema_decay)).requires_grad_(False)
                      if cfg.ema_decay else None)
        self.ema_stale = True

    def start_epoch(self, perm):
        self.perm = torch.as_tensor(perm, device=self.torch_device)

    def train_step(self, i):
        kb, x = self.cfg.k_steps * self.cfg.batch_size, self.inputs
        torch.index_select(self.data, 0, self.perm[i * kb:(i + 1) * kb], out=x["reals"].view(kb, 1, 28, 28))
        x["z_d"].normal_(generator=self.rng)
        if self.cfg.loss == "wasserstein":
            x["alpha"].uniform_(generator=self.rng)
        x["z_g"].normal_(generator=self.rng)
        weights = loop.penalty_weights(self.cfg, i)
        if not self.compiled:
            loss = self._step(weights)
        else:
            if weights not in self.graphs:
                self.graphs[weights] = self._capture(weights)
            graph, graph_loss = self.graphs[weights]
            graph.replay()
            loss = graph_loss.clone()  # the next replay overwrites graph_loss
        if self.G_ema is not None:
            self.update_ema()
        return loss

    def update_ema(self):
        """ema <- d * ema + (1 - d) * G; the first update copies G (``AveragedModel``)."""
        self.G_ema.update_parameters(self.G)
        self.ema_stale = True

    def _step(self, gp_weights):
        self.G.train()
        self.D.train()
        x = self.inputs
        return train_step(self.G, self.D, self.opt_g, self.opt_d, x["reals"], x["z_d"], x["z_g"], x["alpha"], self.cfg,
                          gp_weights)

    def _capture(self, gp_weights):
        """Record one step as a CUDA graph (torch.cuda.graphs docs, whole-network capture), then undo the warm-up
        steps that capture needs, so training continues from the same weights and optimizer state as eager.
        Returns (graph, its loss tensor)."""
        tensors = [*self.G.parameters(), *self.G.buffers(), *self.D.parameters(), *self.D.buffers()]
        saved = [t.detach().clone() for t in tensors]
        opt_before = {id(t): t.clone() for o in (self.opt_g, self.opt_d) for st in o.state.values() for t in st.values()
                      if torch.is_tensor(t)}
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):  # warm-up on a side stream: lazy optimizer state, cuBLAS/cuDNN workspaces
            for _ in range(3):
                self._step(gp_weights)
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            loss = self._step(gp_weights)
        with torch.no_grad():
            for t, v in zip(tensors, saved):
                t.copy_(v)
            for o in (self.opt_g, self.opt_d):
                for st in o.state.values():
                    for t in st.values():
                        if torch.is_tensor(t):
                            t.copy_(opt_before[id(t)]) if id(t) in opt_before else t.zero_()
        return graph, loss

    def to_numpy(self, losses):
        return torch.stack(losses).cpu().numpy()

    @torch.no_grad()
    def generate(self, z):
        G = self.G if self.G_ema is None else self._ready_ema()
        G.eval()  # batch norm uses its running statistics when sampling
        out = G(torch.as_tensor(z, device=self.torch_device)).cpu().numpy()
        G.train()
        return out

    def _ready_ema(self):
        """The EMA generator, its batch-norm statistics recomputed on one batch of the shared standing noise."""
        if self.ema_stale:
            update_bn([torch.as_tensor(loop.standing_noise(self.cfg), device=self.torch_device)], self.G_ema.module)
            self.ema_stale = False
        return self.G_ema.module

    def weights_finite(self):
        return all(bool(torch.isfinite(p).all()) for p in [*self.G.parameters(), *self.D.parameters()])

    def save(self, folder):
        ema = {} if self.G_ema is None else dict(G_ema=self.G_ema.state_dict())
        torch.save(dict(G=self.G.state_dict(), D=self.D.state_dict(), opt_g=self.opt_g.state_dict(),
                        opt_d=self.opt_d.state_dict(), rng=self.rng.get_state(), **ema), Path(folder) / "model.pt")

    def load(self, folder):
        state = torch.load(Path(folder) / "model.pt", map_location=self.torch_device)
        for name in ("G", "D", "opt_g", "opt_d"):
            getattr(self, name).load_state_dict(state[name])
        self.rng.set_state(state["rng"].cpu())
        if self.G_ema is not None:
            self.G_ema.load_state_dict(state["G_ema"])
            self.ema_stale = True
        self.graphs = {}  # the graphs hold the replaced optimizer state: capture again


def train(cfg: GANConfig, run_dir, resume=False, progress=True, images=None, callbacks=None):
    """Train ``cfg`` on MNIST (or on ``images``, uint8 (N, 28, 28)); returns (trainer, run record)."""
    return loop.train(Trainer, cfg, run_dir, resume, progress, images, callbacks)


def _describe(device):
    if device.type == "cuda":
        return f"cuda ({torch.cuda.get_device_name(device)})"
    return device.type
