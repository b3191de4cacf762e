"""The set-up files agree: environment.yml (conda, Binder) installs exactly what pyproject.toml lists."""
from pathlib import Path

import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent


def test_environment_file_installs_this_project_with_its_test_extra():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    # "-e ." is also what makes repo2docker (Binder) copy the repository in before installing the environment
    assert pip == ["-e .[test]"]
    assert "pip" in env["dependencies"] and any(str(d).startswith("python=3.1") for d in env["dependencies"])


def test_both_set_up_paths_open_the_notebooks():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = [d.split(">")[0].split("=")[0].split(";")[0].strip() for d in project["dependencies"]]
    assert {"jupyterlab", "ipywidgets", "ipykernel"} <= set(names)
    assert "lab:" in (ROOT / "Makefile").read_text() and "jupyter lab notebooks/" in (ROOT / "Makefile").read_text()
