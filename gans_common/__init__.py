"""Framework-neutral parts of the study: presets, MNIST, the shared loop, run records, plots."""
from .config import PRESETS, ConfigError, GANConfig, make_config

__all__ = ["PRESETS", "ConfigError", "GANConfig", "make_config"]
