"""PyTorch implementations of the study's GANs; the same public names as ``gans_tf``."""
from . import losses, models
from .losses import *  # noqa: F401,F403
from .models import *  # noqa: F401,F403
from .train import *  # noqa: F401,F403
from .train import __all__ as _train_all

__all__ = losses.__all__ + models.__all__ + _train_all
