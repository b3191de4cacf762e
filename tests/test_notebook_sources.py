"""The committed notebooks' cells are what their sources in notebooks/src/ make (tools/make_notebooks.py)."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("make_notebooks", ROOT / "tools" / "make_notebooks.py")
make_notebooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(make_notebooks)


def test_every_notebook_matches_its_source():
    import nbformat
    expected = make_notebooks.expected()
    assert len(expected) == 11
    for path, nb in expected.items():
        assert make_notebooks.cells_of(nbformat.read(path, as_version=4)) == make_notebooks.cells_of(nb), path


def test_twins_differ_only_in_framework_lines():
    a = make_notebooks.variant_notebook("pytorch", "dcgan")
    b = make_notebooks.variant_notebook("tensorflow", "dcgan")
    diff = [(x.source, y.source) for x, y in zip(a.cells, b.cells) if x.source != y.source]
    assert len(a.cells) == len(b.cells) and len(diff) == 4  # intro, imports + parameters, the two model cells
    assert all("torch" in x or "PyTorch" in x for x, _ in diff)
