# Two entry points; each creates (or reuses) .venv and installs the project into it.
#   make study   the whole study: MNIST, every model for SEEDS seeds (default 3; seed 0 as the notebooks at full
#                length), images/, results/, README table
#   make test    pytest + nbval smoke runs of every notebook (what CI runs)
#   make lab     JupyterLab on notebooks/ (open pytorch/dcgan.ipynb first)
# Also: make study-gpu (the GPU tier: recipe-size nets, PyTorch, 3 seeds, on a machine with a GPU), make fashion (the eight on Fashion-MNIST), make browser-check (JupyterLab in headless Chromium: a screenshot), make stability (the factor sweep), make bench (speed), make budget (each model for twice its preset's
# epochs: where the quality curves flatten), make search (the quality search), make notebooks (their cells from
# notebooks/src/).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SEEDS ?= 3

.PHONY: study study-gpu test lab browser-check notebooks stability bench budget search fashion

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $@

study: $(VENV)/.installed
	$(PY) tools/run_study.py --seeds $(SEEDS)

study-gpu: $(VENV)/.installed  ## the GPU tier (gans_common/config.py TIERS): PyTorch, 3 seeds, 4 runs at a time
	$(PY) tools/run_study.py --tier gpu --headless --frameworks pytorch --seeds $(SEEDS) --jobs 4
	$(PY) tools/results_table.py

test: $(VENV)/.installed
	$(PY) -m gans_common.mnist
	$(PY) -m gans_common.mnist --dataset fashion-mnist
	$(PY) -m pytest

lab: $(VENV)/.installed  ## open the notebooks in JupyterLab (a browser tab; Ctrl-C here stops it)
	$(VENV)/bin/jupyter trust notebooks/*.ipynb notebooks/*/*.ipynb  # their stored widgets are drawn, not their text
	$(VENV)/bin/jupyter lab notebooks/

browser-check: $(VENV)/.installed  ## JupyterLab renders a notebook in headless Chromium (apt-get install chromium)
	$(PY) tools/browser_check.py

notebooks: $(VENV)/.installed  ## rewrite the notebooks' cells from their sources in notebooks/src/
	$(PY) tools/make_notebooks.py

stability: $(VENV)/.installed  ## the stability sweep (about 20 min on 2 CPU cores) and its notebook
	$(PY) -m gans_study.sweep
	$(PY) tools/make_notebooks.py --execute notebooks/stability.ipynb

bench: $(VENV)/.installed  ## speed benchmarks (run on an idle machine)
	$(PY) benchmarks/run.py

budget: $(VENV)/.installed  ## PyTorch, seed 0, each model for twice its preset's epochs (about twice one seed's training in make study)
	$(PY) tools/run_study.py --headless --seeds 1 --frameworks pytorch --epochs-scale 2 --results-dir results/budget
	$(PY) tools/results_table.py

fashion: $(VENV)/.installed  ## the eight models on Fashion-MNIST, seed 0 (as long as one seed of make study: README's table footer)
	$(PY) tools/run_study.py --headless --seeds 1 --dataset fashion-mnist
	$(PY) tools/results_table.py

search: $(VENV)/.installed  ## the quality search as recorded (search.STAGES): PyTorch, seed 0 and the finalists' seeds (hours on 2 CPU cores)
	$(PY) -m gans_study.search --stage screen
	$(PY) -m gans_study.search --stage final
	$(PY) -m gans_study.search --stage hour
	$(PY) -m gans_study.search --report
