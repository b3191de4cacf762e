"""The study's tools (tools/): contradictory flags are refused in one line, and README's Fashion-MNIST section says
what is missing instead of an empty table."""
import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_tool(name):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_run_study_refuses_fashion_mnist_in_the_notebooks():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "run_study.py"), "--dataset", "fashion-mnist"],
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert result.stderr.strip() == ("error: --dataset fashion-mnist needs --headless: the notebooks and their "
                                     "figures are MNIST's")


def test_fashion_section_without_records_says_how_to_make_them(tmp_path, monkeypatch):
    table = load_tool("results_table")
    monkeypatch.setattr(table, "FASHION_DIR", tmp_path)
    assert table.fashion_section({}).startswith("Not run yet at the current presets: `make fashion`")
