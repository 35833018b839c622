# boundlab: two entry points (see README).
#   make main   set up .venv if needed, then run the main job
#   make test   set up .venv if needed, then run the whole test suite (JIT on, then JIT off)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: main test test-jit test-nojit bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

main: $(STAMP)
	$(VENV)/bin/boundlab verify

test: test-jit test-nojit

test-jit: $(STAMP)
	$(PY) -m pytest -q

# Every Numba kernel also runs as plain Python: the same suite with the JIT disabled,
# minus tests marked slow (their pure-Python runtime would dominate CI).
test-nojit: $(STAMP)
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest -q -m "not slow" -p no:cacheprovider

bench: $(STAMP)
	$(VENV)/bin/boundlab bench

clean:
	rm -rf $(VENV) .boundlab-cache
