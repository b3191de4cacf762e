"""What the committed notebooks show a reader: no warnings, tracebacks or errors in any output; a widget bar."""
import re
import subprocess
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted(ROOT / p for p in subprocess.run(["git", "ls-files", "*.ipynb"], cwd=ROOT, capture_output=True,
                                                     text=True, check=True).stdout.split())
NOISE = re.compile(r"warning|traceback|error|exception", re.I)


def noise(nb) -> list[str]:
    """Every output line of ``nb`` that reads as a warning, a traceback or an error: error outputs, streams, and
    the text a display shows (plain, Markdown, HTML: a stylesheet's comments count, since the scan cannot tell)."""
    found = []
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.output_type == "error":
                found.append(f"cell {i}: {out.ename}: {out.evalue}")
            texts = {out.get("name"): out.text} if out.output_type == "stream" else \
                {k: v for k, v in out.get("data", {}).items() if k in ("text/plain", "text/markdown", "text/html")}
            found += [f"cell {i} ({kind}): {line}" for kind, text in texts.items() for line in text.splitlines()
                      if NOISE.search(line)]
    return found


def test_the_scan_finds_what_it_looks_for():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("stream", name="stderr", text="ok\n.../tqdm/auto.py:21: TqdmWarning: IProgress not found"),
        nbformat.v4.new_output("error", ename="ValueError", evalue="bad", traceback=[])])])
    assert len(noise(nb)) == 2
    assert noise(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("display_data", data={"text/html": "<style>.gt {} /* Generic.Traceback */</style>"})])
    ])) == ["cell 0 (text/html): <style>.gt {} /* Generic.Traceback */</style>"]
    assert noise(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="classifier-FID 12.3")])])) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_committed_outputs_hold_no_warnings_or_tracebacks(path):
    assert noise(nbformat.read(path, as_version=4)) == []


TRAINING = [p for p in NOTEBOOKS if p.parent.name in ("pytorch", "tensorflow")]


@pytest.mark.parametrize("path", TRAINING, ids=lambda p: str(p.relative_to(ROOT)))
def test_training_progress_is_one_widget_bar(path):
    nb = nbformat.read(path, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "gan.train(" in c.source)
    kinds = [k for out in cell.outputs for k in out.get("data", {})]
    assert "application/vnd.jupyter.widget-view+json" in kinds
    assert not [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
    assert nb.metadata.get("widgets")  # the bar's state, so it renders when the notebook is reopened
