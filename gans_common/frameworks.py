"""The two frameworks, defined once: their keys (as in records and folder names), packages and display names."""
import importlib

PACKAGES = {"pytorch": "gans_pt", "tensorflow": "gans_tf"}
NAMES = {"pytorch": "PyTorch", "tensorflow": "TensorFlow"}
FRAMEWORKS = tuple(PACKAGES)


def package(framework: str):
    """The twin package of ``framework`` (imported on demand: a process holds only the one it uses)."""
    return importlib.import_module(PACKAGES[framework])


def other(framework: str) -> str:
    return FRAMEWORKS[1 - FRAMEWORKS.index(framework)]
