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
REPLICAS ?= 2
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check --no-input --quiet

CHAPTERS := 01_first_steps 02_path_query_params 03_crud_path 04_crud_query \
            05_crud_pydantic 06_docker 07_model_serving
# A chapter is named by its number, with or without the leading zero: 3 and 03 both work.
chapter_dir = $(filter 0$(patsubst 0%,%,$(1))_%,$(CHAPTERS))
need_chapter = @test -n "$(call chapter_dir,$(1))" || { echo "error: there is no chapter $(1); use a number from 1 to 7." >&2; exit 1; }

.DEFAULT_GOAL := help
# chapter-N and test-N are pattern rules; make skips pattern rules for .PHONY targets,
# so they are not listed here.
# The same holds for demo-N, watch-N, grade-N and reset-N.
.PHONY: help setup test train-7 bench-7 chapter-7-ray bench-7-ray lint format snapshots \
        student-edition screenshots grade progress clean docker-build docker-run docker-logs \
        docker-stop

help: ## List the targets
	@echo "Usage: make <target> [PORT=8000] [HOST=127.0.0.1]"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  chapter-N          Serve chapter N (1-7) with auto-reload, e.g. make chapter-3 PORT=8003"
	@echo "  demo-N             Serve chapter N for a demo: with example records, URL printed"
	@echo "  test-N             Run the checks of chapter N (1-7) but the slow ones, e.g. make test-3"
	@echo "  watch-N            Run chapter N's checks again on every save (Ctrl+C stops)"
	@echo "  grade-N            Score chapter N's tasks and write grade/"
	@echo "  reset-N            Put chapter N's files back as handed out (student edition; asks first)"

$(PY):
	@$(PYTHON) tools/check_python.py
	$(PYTHON) -m venv $(VENV)

$(CORE_STAMP): requirements.txt | $(PY)
	@echo "Installing the course's packages into $(VENV) (first run only)..."
	$(PIP_INSTALL) -r requirements.txt
	@touch $@

$(MODEL_STAMP): requirements-07.txt $(CORE_STAMP)
	@echo "Installing chapter 07's packages (PyTorch, SQLModel, safetensors) into $(VENV)..."
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

setup: $(CORE_STAMP) ## Create .venv and install the pinned packages (done for you by every target)

# Chapter 07 needs PyTorch; so do the targets that run or rebuild every chapter
# (test, snapshots, student-edition, screenshots).
chapter-7 chapter-07 demo-7 demo-07 test-7 test-07 watch-7 watch-07 grade-7 grade-07 grade: $(MODEL_STAMP)

# The student's loop: no slow tests, and without the plugins only they need (schemathesis and
# hypothesis take a second to import). Test files marked slow as a whole are not even read.
QUICK := -m "not slow" -p no:schemathesis -p no:hypothesispytest

train-7: $(MODEL_STAMP) ## Retrain chapter 07's model on the standard library (about 10 min on 2 cores)
	cd 07_model_serving && ../$(PY) -m model.train

bench-7: $(BENCH_STAMP) ## Benchmark chapter 07: batched vs sequential vs ceiling vs transformers (~5 min)
	cd 07_model_serving && ../$(PY) -m bench.padding | tee bench/padding-cpu.txt && ../$(PY) -m bench.run

chapter-7-ray: $(RAY_STAMP) ## Serve chapter 07 on REPLICAS replicas (2, or auto) with Ray Serve; Ctrl+C stops all
	cd 07_model_serving && exec ../$(PY) ray_serve.py --replicas "$(REPLICAS)" --host "$(HOST)" --port "$(PORT)"

bench-7-ray: $(RAY_STAMP) $(BENCH_STAMP) ## Ray Serve's cost (start-up, memory, latency) and bench-7's closed loop on 1 and 2 replicas (~5 min)
	cd 07_model_serving && ../$(PY) -m bench.ray_overhead
	cd 07_model_serving && ../$(PY) -m bench.ray_load

chapter-%: $(CORE_STAMP)
	$(call need_chapter,$*)
	@$(PY) tools/serve.py "$(call chapter_dir,$*)" --host "$(HOST)" --port "$(PORT)"

demo-%: $(CORE_STAMP)
	$(call need_chapter,$*)
	@$(PY) tools/serve.py "$(call chapter_dir,$*)" --host "$(HOST)" --port "$(PORT)" --demo

test: $(CORE_STAMP) $(MODEL_STAMP) $(BENCH_STAMP) ## Run every chapter's checks
	@$(MAKE) --no-print-directory $(RAY_STAMP) || echo "warning: Ray Serve did not install here; its test is skipped." >&2
	$(PY) -m pytest

test-%: $(CORE_STAMP)
	$(call need_chapter,$*)
	$(PY) -m pytest $(QUICK) "$(call chapter_dir,$*)"

watch-%: $(CORE_STAMP)
	$(call need_chapter,$*)
	@$(PY) tools/watch.py "$(call chapter_dir,$*)" $(QUICK)

grade: $(CORE_STAMP) ## Score every task of every chapter; the report goes to grade/
	@$(PY) tools/grade.py

grade-%: $(CORE_STAMP)
	$(call need_chapter,$*)
	@$(PY) tools/grade.py "$(call chapter_dir,$*)"

progress: $(CORE_STAMP) ## Which tasks you have solved, and the next one with its hint
	@$(PY) tools/progress.py

reset-%:
	$(call need_chapter,$*)
	@$(PYTHON) tools/reset_chapter.py "$(call chapter_dir,$*)"

lint: $(CORE_STAMP) ## ruff check and ruff format --check over the whole repository
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(CORE_STAMP) ## Fix what ruff can fix and format every file
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

snapshots: $(CORE_STAMP) $(MODEL_STAMP) ## Rewrite each chapter's OpenAPI snapshot after a deliberate API change
	UPDATE_SNAPSHOTS=1 $(PY) -m pytest -q -k test_openapi_schema_matches_snapshot

screenshots: $(CORE_STAMP) $(MODEL_STAMP) ## Retake the Swagger UI pictures in each lesson's images/ (needs Chromium)
	$(PY) tools/browser/screenshots.py

student-edition: $(CORE_STAMP) $(MODEL_STAMP) ## Write the student edition (solutions removed) to DEST=dist/student-edition
	@test -f tools/student_edition.py || { echo "error: this is the student edition already." >&2; exit 1; }
	$(PY) tools/student_edition.py "$(DEST)"

DOCKER_IMAGE := part6-api-server
DOCKER_CONTAINER := api-server
need_docker = @command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 || \
	{ echo "error: no Docker engine answers (is Docker Desktop or dockerd running?)." >&2; exit 1; }

docker-build: ## Build chapter 06's image (needs a Docker engine)
	$(need_docker)
	docker build -t $(DOCKER_IMAGE) 06_docker

docker-run: ## Start chapter 06's image as container api-server on PORT (8000), in the background
	$(need_docker)
	docker run -d --name $(DOCKER_CONTAINER) -p $(PORT):8000 $(DOCKER_IMAGE)
	@echo "Open http://localhost:$(PORT)/docs  -  logs: make docker-logs  -  stop: make docker-stop"

docker-logs: ## Follow the logs of container api-server
	$(need_docker)
	docker logs --follow $(DOCKER_CONTAINER)

docker-stop: ## Stop and remove container api-server
	$(need_docker)
	docker rm --force $(DOCKER_CONTAINER)

clean: ## Remove .venv, caches and generated files
	rm -rf $(VENV) dist grade .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
