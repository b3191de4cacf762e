"""TensorFlow implementations of the study's GANs; the same public names as ``gans_pt``."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow loads: keep its C++ info logs quiet

from . import losses, models  # noqa: E402
from .losses import *  # noqa: F401,F403,E402
from .models import *  # noqa: F401,F403,E402
from .train import *  # noqa: F401,F403,E402
from .train import __all__ as _train_all  # noqa: E402

__all__ = losses.__all__ + models.__all__ + _train_all
