"""nbval settings for the notebooks: smoke mode and no stderr comparison (TensorFlow writes logs there)."""
import os

os.environ["GANS_SMOKE"] = "1"  # every kernel nbval starts inherits it: tiny runs, artifacts to temp folders
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


# Tests that compare the frameworks hold both in one process. PyTorch's Linux wheels bring triton, whose bundled
# LLVM crashes (segfault in torch.optim) when it loads after TensorFlow's: load it first. Notebooks and the study
# never hold both frameworks in one process.
try:
    import torch  # noqa: F401,E402
    import triton  # noqa: F401,E402
except ImportError:
    pass


def pytest_collectstart(collector):
    if str(getattr(collector, "path", "")).endswith(".ipynb"):
        collector.skip_compare += ("stderr",)
