# Two entry points; each creates (or reuses) .venv and installs the project into it.
#   make study   the whole study: MNIST, every model for SEEDS seeds (default 3; seed 0 as the notebooks at full
#                length), images/, results/, README table
#   make test    pytest + nbval smoke runs of every notebook (what CI runs)
# Also: make stability (the factor sweep), make bench (speed), make budget (each model for twice its preset's
# epochs: where the quality curves flatten), make notebooks (rewrite them from the template).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SEEDS ?= 3

.PHONY: study test notebooks stability bench budget

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

study: $(VENV)/.installed
	$(PY) tools/run_study.py --seeds $(SEEDS)

test: $(VENV)/.installed
	$(PY) -m gans_common.mnist
	$(PY) -m pytest

notebooks: $(VENV)/.installed  ## rewrite the notebooks from their template (unexecuted)
	$(PY) tools/make_notebooks.py

stability: $(VENV)/.installed  ## the stability sweep (about 20 min on 2 CPU cores) and its notebook
	$(PY) -m gans_common.sweep
	$(PY) tools/make_stability_notebook.py --execute

bench: $(VENV)/.installed  ## speed benchmarks (run on an idle machine)
	$(PY) benchmarks/run.py

budget: $(VENV)/.installed  ## PyTorch, seed 0, each model for twice its preset's epochs (about 50 min on 2 CPU cores)
	$(PY) tools/run_study.py --headless --seeds 1 --frameworks pytorch --epochs-scale 2 --results-dir results/budget
	$(PY) tools/results_table.py
