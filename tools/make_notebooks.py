"""Write the notebooks from their sources in ``notebooks/src/`` (jupytext percent files a reader and a linter read).

    python tools/make_notebooks.py                 # rewrite every notebook's cells; outputs of unchanged cells kept
    python tools/make_notebooks.py --check         # exit 1 if a committed notebook's cells differ from its source
    python tools/make_notebooks.py --execute notebooks/stability.ipynb   # ... then execute that one in place

The eight per-variant notebooks come from one template, ``notebooks/src/variant.py`` (the PyTorch vanilla GAN
notebook as it is), with the variant's introduction (``notebooks/src/intro/<variant>.md``) as the first cell and,
for TensorFlow, the lines of ``FRAMEWORK_LINES`` swapped: diffing the two notebooks of a variant shows only those.
``comparison``, ``parity`` and ``stability`` are one source each. Executed outputs come from ``tools/run_study.py``
(and ``make stability``).
"""
import argparse
import re
import sys
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib
import jupytext
import nbformat

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "notebooks" / "src"
sys.path.insert(0, str(ROOT))
from gans_common.config import PRESETS  # noqa: E402
from gans_common.frameworks import FRAMEWORKS, NAMES  # noqa: E402
from gans_study.notebook import notebook_path  # noqa: E402

FRAMEWORK_LINES = {  # template line (PyTorch) -> the TensorFlow line; the only differences between the twins
    "import torch\nimport gans_pt as gan\n": "import tensorflow as tf\nimport gans_tf as gan\n",
    "torch.zeros(2, cfg.z_dim)": "tf.zeros((2, cfg.z_dim))",
    "torch.tensor(": "tf.constant(",
}
PARAMETERS = 'FRAMEWORK, VARIANT = "pytorch", "vanilla"'
REPOSITORY_LINE = "REPOSITORY = None"
SECTIONS = ("intro", "architecture", "objective")
SINGLE = ("comparison", "parity", "stability")


def intro_sections(variant: str) -> dict[str, str]:
    """The variant's text, split at its ``<!-- name -->`` markers: intro, architecture, objective."""
    text = (SRC / "intro" / f"{variant}.md").read_text()
    sections, name = {}, "intro"
    for part in re.split(r"^<!-- (\w+) -->$", text, flags=re.M):
        if part.strip() in SECTIONS:
            name = part.strip()
        else:
            sections[name] = part.strip()
    if set(sections) != set(SECTIONS):
        raise SystemExit(f"error: notebooks/src/intro/{variant}.md needs the sections {', '.join(SECTIONS)} "
                         f"(markers <!-- architecture --> and <!-- objective -->); found {', '.join(sections)}")
    return sections


def repository() -> str | None:
    """The project's public address (pyproject.toml, [project.urls] Repository), for the Colab cell and badges."""
    with open(ROOT / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"].get("urls", {}).get("Repository")


def colab_badge(path: str, repo: str) -> str:
    """The "Open in Colab" badge of a notebook in a GitHub repository (Colab opens notebooks from GitHub)."""
    github = repo.removeprefix("https://github.com/").removesuffix(".git")
    return (f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"(https://colab.research.google.com/github/{github}/blob/main/{path})")


def variant_notebook(framework: str, variant: str, repo: str | None = None):
    nb = jupytext.read(SRC / "variant.py")
    other = FRAMEWORKS[1 - FRAMEWORKS.index(framework)]
    text = {k: v.replace("{framework}", NAMES[framework]) for k, v in intro_sections(variant).items()}
    intro = text["intro"] + (f"\n\nThe same notebook for the other framework: `notebooks/{other}/`; all eight side "
                             f"by side: `notebooks/comparison.ipynb`. Set `GANS_SMOKE=1` for a seconds-long smoke run "
                             f"that writes only to a temporary folder.")
    if repo:
        intro = colab_badge(notebook_path(framework, variant), repo) + "\n\n" + intro
    nb.cells = [nbformat.v4.new_markdown_cell(intro)] + nb.cells[1:]  # the template's own note dropped
    for cell in nb.cells:
        src = cell.source.replace(PARAMETERS, f'FRAMEWORK, VARIANT = "{framework}", "{variant}"')
        src = src.replace("{architecture}", text["architecture"]).replace("{objective}", text["objective"])
        if repo:
            src = src.replace(REPOSITORY_LINE, f"REPOSITORY = {repo!r}")
        if framework != "pytorch":
            for old, new in FRAMEWORK_LINES.items():
                src = src.replace(old, new)
        cell.source = src
    return nb


def expected() -> dict[Path, nbformat.NotebookNode]:
    """Every notebook path -> the notebook its source makes (no outputs)."""
    repo = repository()
    out = {ROOT / notebook_path(f, v): variant_notebook(f, v, repo) for f in FRAMEWORKS for v in PRESETS}
    out.update({ROOT / "notebooks" / f"{name}.ipynb": jupytext.read(SRC / f"{name}.py") for name in SINGLE})
    for nb in out.values():
        nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                       "language_info": {"name": "python"}}
    return out


def keep_outputs(new, old):
    """``new`` with the ids, and the outputs (and counts), of the cells of ``old`` whose source is unchanged, matched
    in order, so a rewrite's diff shows only the cells that changed; a changed or new cell has a new id and no
    outputs until the notebook is executed again. The widget state and kernel's language info are kept with them."""
    pool = {}
    for cell in old.cells:
        pool.setdefault((cell.cell_type, cell.source), []).append(cell)
    for cell in new.cells:
        match = pool.get((cell.cell_type, cell.source))
        if match:
            kept = match.pop(0)
            cell.id = kept.get("id", cell.id)
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = kept.outputs, kept.execution_count
    for key in ("widgets", "language_info"):  # the executing kernel's, kept with the outputs it wrote
        if key in old.metadata:
            new.metadata[key] = old.metadata[key]
    return new


def cells_of(nb) -> list[tuple[str, str]]:
    return [(c.cell_type, c.source) for c in nb.cells]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if a notebook drifted")
    parser.add_argument("--execute", nargs="+", type=Path, metavar="NOTEBOOK", help="execute these in place after")
    args = parser.parse_args()
    drifted = []
    for path, nb in expected().items():
        old = nbformat.read(path, as_version=4) if path.exists() else None
        if old is not None and cells_of(old) == cells_of(nb):
            continue
        drifted.append(path.relative_to(ROOT))
        if not args.check:
            nbformat.write(keep_outputs(nb, old) if old is not None else nb, path)
            print(f"wrote {path.relative_to(ROOT)}")
    if args.check:
        for path in drifted:
            print(f"{path} differs from its source in notebooks/src/: run python tools/make_notebooks.py")
        return 1 if drifted else 0
    for path in args.execute or []:
        from gans_study import notebook
        if notebook.smoke():
            sys.exit("error: GANS_SMOKE is set; unset it to execute notebooks for committing")
        print(f"executed {path} in {notebook.execute(path):.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
