"""nbval settings for the notebooks: smoke mode and no stderr comparison (TensorFlow writes logs there)."""
import os

os.environ["GANS_SMOKE"] = "1"  # every kernel nbval starts inherits it: tiny runs, artifacts to temp folders
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def pytest_collectstart(collector):
    if str(getattr(collector, "path", "")).endswith(".ipynb"):
        collector.skip_compare += ("stderr",)
