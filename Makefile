# xinfang — the two commands: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: run test install install-fonts install-test lint check test-sqlite test-postgres bench bench-webhooks bench-portal demo worker clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

# CJK fonts for the PDF papers (Debian package; installed when root, else a clear hint).
install-fonts:
	@if ! fc-list 2>/dev/null | grep -qi "Noto S[a-z]* CJK"; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get install -y -q fonts-noto-cjk >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q fonts-noto-cjk >/dev/null)); \
	  else echo "fonts-noto-cjk missing and not root: PDF papers need it (sudo apt-get install fonts-noto-cjk)"; fi; \
	fi

run: install install-fonts
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(PY) manage.py collectstatic --noinput --verbosity 0
	DEBUG=$${DEBUG:-true} $(PY) manage.py load_demo
	DEBUG=$${DEBUG:-true} PORT=$(PORT) $(PY) manage.py serve --port $(PORT)

# Chromium and CJK fonts for the browser journeys, poppler-utils (pdftotext, pdffonts) for the
# document tests (Debian packages; installed when root).
install-test: install
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK" \
	    || ! command -v pdftotext >/dev/null 2>&1 || ! command -v pdffonts >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    (apt-get install -y -q chromium fonts-noto-cjk poppler-utils >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium fonts-noto-cjk poppler-utils >/dev/null)); \
	  else echo "chromium, CJK fonts or poppler-utils missing and not root: browser and PDF-text tests will be skipped"; fi; \
	fi

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install
	XINFANG_ALLOW_INSECURE_KEY=true $(PY) manage.py check --fail-level WARNING
	XINFANG_ALLOW_INSECURE_KEY=true $(PY) manage.py makemigrations --check --dry-run

test-sqlite: install-test
	env -u DATABASE_URL XINFANG_ALLOW_INSECURE_KEY=true $(VENV)/bin/pytest -q

test-postgres: install-test
	@if [ -n "$$DATABASE_URL" ]; then \
	  echo "== PostgreSQL: $$DATABASE_URL"; \
	  XINFANG_ALLOW_INSECURE_KEY=true $(VENV)/bin/pytest -q; \
	else echo "DATABASE_URL not set: PostgreSQL run skipped"; fi

test: lint check test-sqlite test-postgres

# Benchmarks: N cases (default 1,000,000) into a separate database; see bench/README.md.
N ?= 1000000
bench: install
	XINFANG_ALLOW_INSECURE_KEY=true $(PY) bench/run.py --cases $(N)

# Webhook delivery throughput and the cost of emitting (its own fresh database; docs/webhooks.md).
bench-webhooks: install
	XINFANG_ALLOW_INSECURE_KEY=true $(PY) bench/webhook_bench.py --engine $${ENGINE:-sqlite}

bench-portal: install
	$(PY) bench/portal_load.py --engine $${ENGINE:-postgres} --citizens $${CITIZENS:-50} --seconds $${SECONDS_:-60}

demo: install
	DEBUG=true $(PY) manage.py migrate --noinput && DEBUG=true $(PY) manage.py load_demo

worker: install
	DEBUG=$${DEBUG:-true} $(PY) manage.py worker

clean:
	rm -rf $(VENV) var/static
