"""The training library both twins build on: presets, MNIST, the loop and its callbacks, run folders and checkpoints,
weight transfer, the command-line core. It knows nothing of evaluation, notebooks or the study (``gans_study``)."""
from .config import PRESETS, ConfigError, GANConfig, make_config

__all__ = ["PRESETS", "ConfigError", "GANConfig", "make_config"]
