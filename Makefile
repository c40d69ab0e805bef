# The README's two commands: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
CHROMIUM ?= $(shell command -v chromium || echo /usr/bin/chromium)

.PHONY: setup browser run test bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

# Debian's chromium for the report's browser tests (playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

run: setup
	$(VENV)/bin/citeaudit audit examples/articles --out out --offline-records examples/records
	@echo "Open out/index.html"

test: setup browser
	$(PY) -m pytest -q

bench: setup
	$(PY) -m bench

clean:
	rm -rf out .citeaudit
