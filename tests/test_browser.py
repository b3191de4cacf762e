"""JupyterLab serves the notebooks and a real browser renders one (tools/browser_check.py, headless Chromium)."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _browser_missing() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not any(shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")):
        return "no Chromium on PATH (apt-get install chromium)"
    return None


def test_jupyterlab_renders_a_notebook_in_chromium(tmp_path):
    missing = _browser_missing()
    if missing:
        if os.environ.get("GANS_REQUIRE_BROWSER"):
            pytest.fail(f"GANS_REQUIRE_BROWSER is set but {missing}")
        pytest.skip(missing)
    from PIL import Image

    out = tmp_path / "lab.png"
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "browser_check.py"), "--out", str(out)],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    assert "title, an image output and any stored widget bar" in run.stdout
    assert Image.open(out).size == (1400, 1000)
    assert not list((ROOT / "notebooks").rglob(".ipynb_checkpoints"))  # opening left nothing beside the notebooks


def test_a_notebook_without_a_heading_is_refused(tmp_path):
    if _browser_missing():
        pytest.skip(_browser_missing())
    import nbformat
    nb = tmp_path / "x.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]), nb)
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "browser_check.py"), "--notebook", str(nb)],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "has no markdown heading" in run.stderr
