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


def test_nbval_markers_are_ones_nbval_reads_and_their_cells_are_executed():
    """nbval matches a marker only as a whole comment line (``# NBVAL_CHECK_OUTPUT``; with anything after it on the
    line the cell is silently not compared), and compares only cells with an execution count."""
    import nbformat
    from nbval.plugin import comment_markers
    checked = 0
    for path in make_notebooks.expected():
        for cell in nbformat.read(path, as_version=4).cells:
            markers = [line.strip().lstrip("#").strip() for line in cell.source.splitlines()
                       if line.strip().startswith("#") and "NBVAL" in line]
            assert all(m in comment_markers for m in markers), (path, markers)
            if "NBVAL_CHECK_OUTPUT" in markers:
                checked += 1
                assert cell.execution_count is not None and cell.outputs, f"{path}: a checked cell has no output"
    assert checked >= 3 * 8  # data, model shapes and losses of every variant notebook, and the others' tables


def test_twins_differ_only_in_framework_lines():
    a = make_notebooks.variant_notebook("pytorch", "dcgan")
    b = make_notebooks.variant_notebook("tensorflow", "dcgan")
    diff = [(x.source, y.source) for x, y in zip(a.cells, b.cells) if x.source != y.source]
    assert len(a.cells) == len(b.cells) and len(diff) == 4  # intro, imports + parameters, the two model cells
    assert all("torch" in x or "PyTorch" in x for x, _ in diff)


def test_sections_of_each_variant_go_beside_their_code():
    nb = make_notebooks.variant_notebook("pytorch", "wgan_gp")
    text = {c.source.splitlines()[0]: c.source for c in nb.cells if c.cell_type == "markdown"}
    assert "\\lambda" in text["## The objective in code"] and "<!--" not in "".join(text.values())
    assert "without batch norm" in text["## The networks in code"]
    assert "{objective}" not in "".join(c.source for c in nb.cells)
    codes = [c.source for c in nb.cells if c.cell_type == "code"]
    assert "notebook.show_code(gan.train_step)" in codes


def test_intro_without_its_sections_is_one_clear_error(tmp_path, monkeypatch):
    import pytest
    (tmp_path / "intro").mkdir()
    (tmp_path / "intro" / "vanilla.md").write_text("# title\n\ntext only\n")
    monkeypatch.setattr(make_notebooks, "SRC", tmp_path)
    with pytest.raises(SystemExit, match="needs the sections intro, architecture, objective"):
        make_notebooks.intro_sections("vanilla")


def _colab_cell(nb):
    return next(c.source for c in nb.cells if c.cell_type == "code" and "google.colab" in c.source)


def test_colab_cell_does_nothing_outside_colab_and_installs_on_it(monkeypatch):
    import subprocess
    import sys
    import pytest
    calls = []
    monkeypatch.setattr(subprocess, "run", lambda cmd, **kw: calls.append(cmd))
    monkeypatch.setattr(sys, "path", list(sys.path))
    repo = "https://github.com/example/gans"
    nb = make_notebooks.variant_notebook("tensorflow", "dcgan", repo)
    exec(_colab_cell(nb), {})  # not on Colab: no command
    assert calls == []
    monkeypatch.setitem(sys.modules, "google.colab", object())
    exec(_colab_cell(nb), {})
    assert calls[0][:2] == ["git", "clone"] and repo in calls[0]
    assert calls[1][1:4] == ["-m", "pip", "install"] and "--no-deps" in calls[1]
    with pytest.raises(RuntimeError, match="does not know its repository's address"):
        exec(_colab_cell(make_notebooks.variant_notebook("tensorflow", "dcgan", None)), {})


def test_colab_badge_names_the_notebook_on_github():
    nb = make_notebooks.variant_notebook("pytorch", "lsgan", "https://github.com/example/gans.git")
    assert nb.cells[0].source.startswith(
        "[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
        "(https://colab.research.google.com/github/example/gans/blob/main/notebooks/pytorch/lsgan.ipynb)")
    assert "REPOSITORY = 'https://github.com/example/gans.git'" in _colab_cell(nb)


def test_regenerating_keeps_outputs_and_ids_only_of_unchanged_cells():
    import nbformat
    old = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a = 1", execution_count=1,
                                                                     outputs=[nbformat.v4.new_output("stream", text="x")]),
                                          nbformat.v4.new_code_cell("b = 2", execution_count=2,
                                                                    outputs=[nbformat.v4.new_output("stream", text="y")])])
    old.metadata["widgets"] = {"state": 1}
    new = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import sys"), nbformat.v4.new_code_cell("b = 2")])
    out = make_notebooks.keep_outputs(new, old)
    assert [len(c.outputs) for c in out.cells] == [0, 1] and out.cells[1].outputs[0].text == "y"
    assert [c.execution_count for c in out.cells] == [None, 2] and out.metadata["widgets"] == {"state": 1}
    assert out.cells[1].id == old.cells[1].id and out.cells[0].id not in {c.id for c in old.cells}
