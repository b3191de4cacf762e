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


def torch_before_tensorflow() -> None:
    """For the few places that hold both frameworks in one process (the parity tests and notebook; the study never
    does): PyTorch's Linux wheels bring triton, whose bundled LLVM crashes the process (segfault in torch.optim)
    when it loads after TensorFlow's. Load both first."""
    import torch  # noqa: F401
    try:
        import triton  # noqa: F401
    except ImportError:  # CPU-only and non-Linux builds have no triton
        pass
