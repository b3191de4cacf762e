"""GAN losses on discriminator logits, mean-reduced (PyTorch twin of ``gans_tf.losses``).

Discriminator losses take ``(real_logits, fake_logits)``, generator losses take ``fake_logits``; the gradient
penalty is its own function. ``LOSSES`` maps a config's loss name to its (D loss, G loss) pair.
"""
import torch
import torch.nn.functional as F

__all__ = ["d_loss_bce", "g_loss_saturating", "g_loss_nonsaturating", "d_loss_lsgan", "g_loss_lsgan",
           "d_loss_wasserstein", "g_loss_wasserstein", "gradient_penalty", "LOSSES"]


def d_loss_bce(real_logits, fake_logits, real_label=1.0):
    """Goodfellow et al. 2014, eq. 1 as a minimisation: -E[log D(x)] - E[log(1 - D(G(z)))], as BCE on logits.
    ``real_label`` < 1 gives one-sided label smoothing (Salimans et al. 2016)."""
    return (F.binary_cross_entropy_with_logits(real_logits, torch.full_like(real_logits, real_label)) +
            F.binary_cross_entropy_with_logits(fake_logits, torch.zeros_like(fake_logits)))


def g_loss_saturating(fake_logits):
    """The minimax generator loss of Goodfellow et al. 2014: E[log(1 - D(G(z)))] = -E[softplus(l)].
    Its gradient vanishes where D confidently rejects the fakes (D(G(z)) -> 0), early in training."""
    return -F.softplus(fake_logits).mean()


def g_loss_nonsaturating(fake_logits):
    """The non-saturating alternative of Goodfellow et al. 2014 (sec. 3): -E[log D(G(z))] = E[softplus(-l)]."""
    return F.softplus(-fake_logits).mean()


def d_loss_lsgan(real_logits, fake_logits, real_label=1.0):
    """Mao et al. 2017, eq. 2 with a=0, b=1 on the raw output: 1/2 E[(D(x)-b)^2] + 1/2 E[D(G(z))^2]."""
    return 0.5 * ((real_logits - real_label) ** 2).mean() + 0.5 * (fake_logits ** 2).mean()


def g_loss_lsgan(fake_logits):
    """Mao et al. 2017, eq. 2 with c=1: 1/2 E[(D(G(z)) - 1)^2]."""
    return 0.5 * ((fake_logits - 1.0) ** 2).mean()


def d_loss_wasserstein(real_logits, fake_logits, real_label=1.0):
    """Critic loss of Arjovsky et al. 2017 / Gulrajani et al. 2017: E[C(G(z))] - E[C(x)] (real_label unused)."""
    return fake_logits.mean() - real_logits.mean()


def g_loss_wasserstein(fake_logits):
    """Generator loss of the Wasserstein GAN: -E[C(G(z))]."""
    return -fake_logits.mean()


def gradient_penalty(critic, real, fake, alpha, weight=10.0):
    """Gulrajani et al. 2017, Algorithm 1: weight * E[(||grad_x C(x_hat)||_2 - 1)^2] with
    x_hat = alpha * real + (1 - alpha) * fake, alpha ~ U(0, 1) per sample (shape [N, 1, 1, 1]).
    The norm is over all non-batch axes; 1e-12 inside the square root keeps its gradient finite at 0."""
    x_hat = (alpha * real + (1 - alpha) * fake.detach()).requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x_hat).sum(), x_hat, create_graph=True)  # create_graph: double backward
    norm = torch.sqrt(grad.flatten(1).pow(2).sum(1) + 1e-12)
    return weight * ((norm - 1.0) ** 2).mean()


LOSSES = {
    "saturating": (d_loss_bce, g_loss_saturating),
    "nonsaturating": (d_loss_bce, g_loss_nonsaturating),
    "lsgan": (d_loss_lsgan, g_loss_lsgan),
    "wasserstein": (d_loss_wasserstein, g_loss_wasserstein),
}
