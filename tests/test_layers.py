"""Layers import one way: the library (gans_common) knows nothing of the study (gans_study) or of either twin, the
twins (gans_pt, gans_tf) know nothing of each other or of the study (their ``__main__`` entry points excepted), the
study reaches a twin only through ``gans_common.frameworks`` (one framework per process), and no import cycle exists
among the modules. Read from the source with ``ast``, function-level imports included."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("gans_common", "gans_study", "gans_pt", "gans_tf")
ENTRY_POINTS = {"gans_pt.__main__", "gans_tf.__main__"}


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str) -> set[str]:
    """The project modules ``name`` (at ``path``) imports, relative imports resolved."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            out.add(base)
            out |= {f"{base}.{a.name}" for a in node.names}
    return {m for m in out if m.split(".")[0] in PACKAGES}


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    mods = {module_name(p, root): p for pkg in PACKAGES for p in (root / pkg).glob("*.py")}

    def known(m):  # the module itself, or the package it is in (``from pkg import name``, ``import pkg.missing``)
        while m and m not in mods:
            m = m.rpartition(".")[0]
        return m

    return {name: {known(m) for m in imports_of(p, name)} - {name, ""} for name, p in mods.items()}


def violations(g: dict[str, set[str]]) -> list[str]:
    out = []
    for mod, deps in g.items():
        layer = mod.split(".")[0]
        for dep in deps:
            top = dep.split(".")[0]
            if layer == "gans_common" and top != "gans_common":
                out.append(f"library module {mod} imports {dep}")
            elif layer in ("gans_pt", "gans_tf") and top not in (layer, "gans_common") and mod not in ENTRY_POINTS:
                out.append(f"twin module {mod} imports {dep}")
            elif layer == "gans_study" and top in ("gans_pt", "gans_tf"):
                out.append(f"study module {mod} imports the twin {dep} (use gans_common.frameworks.package)")
    return out + [f"import cycle: {' -> '.join(c)}" for c in cycles(g)]


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """One cycle through each module that lies on one (depth-first search)."""
    found, state = [], {}

    def visit(node, path):
        state[node] = "open"
        for dep in sorted(g.get(node, ())):
            if state.get(dep) == "open":
                found.append(path[path.index(dep):] + [dep])
            elif dep not in state:
                visit(dep, path + [dep])
        state[node] = "done"

    for node in sorted(g):
        if node not in state:
            visit(node, [node])
    return found


def test_layers_import_one_way_and_without_cycles():
    g = graph()
    assert {"gans_common.loop", "gans_study.evaluate", "gans_pt.train", "gans_tf.train"} <= set(g)
    assert violations(g) == []


@pytest.mark.parametrize("files, message", [
    ({"gans_common/loop.py": "from gans_study import evaluate\n"}, "library module gans_common.loop imports"),
    ({"gans_pt/train.py": "def f():\n    import gans_tf\n"}, "twin module gans_pt.train imports gans_tf"),
    ({"gans_study/a.py": "from . import b\n", "gans_study/b.py": "from .a import x\n"}, "import cycle"),
    ({"gans_study/sweep.py": "import gans_tf.train\n"}, "study module gans_study.sweep imports the twin"),
])
def test_the_checker_finds_each_kind_of_violation(files, message, tmp_path):
    for pkg in PACKAGES:
        (tmp_path / pkg).mkdir()
        (tmp_path / pkg / "__init__.py").write_text("")
    for rel, text in files.items():
        (tmp_path / rel).write_text(text)
    assert any(message in v for v in violations(graph(tmp_path)))
