"""nbval settings for the notebooks: smoke mode and no stderr comparison (TensorFlow writes logs there)."""
import os

os.environ["GANS_SMOKE"] = "1"  # every kernel nbval starts inherits it: tiny runs, artifacts to temp folders
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


# Tests that compare the frameworks hold both in one process: torch (and triton) must load first.
from gans_common.frameworks import torch_before_tensorflow  # noqa: E402

torch_before_tensorflow()


def pytest_collectstart(collector):
    if str(getattr(collector, "path", "")).endswith(".ipynb"):
        collector.skip_compare += ("stderr",)
