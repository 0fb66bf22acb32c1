# One entry point for students, instructors and CI. `make` lists the targets.
# Every target that needs Python sets up .venv on first use; later runs reuse it.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000

VENV := .venv
PY := $(VENV)/bin/python
CORE_STAMP := $(VENV)/.core-installed
MODEL_STAMP := $(VENV)/.model-installed
PIP_INSTALL := $(PY) -m pip install --disable-pip-version-check --no-input --quiet

CHAPTERS := 01_first_steps 02_path_query_params 03_crud_path 04_crud_query \
            05_crud_pydantic 06_docker 07_model_serving
chapter_dir = $(filter 0$(1)_%,$(CHAPTERS))
need_chapter = @test -n "$(call chapter_dir,$(1))" || { echo "error: there is no chapter $(1); use a number from 1 to 7." >&2; exit 1; }

.DEFAULT_GOAL := help
# chapter-N and test-N are pattern rules; make skips pattern rules for .PHONY targets,
# so they are not listed here.
.PHONY: help setup test train-7 lint format snapshots student-edition clean \
        docker-build docker-run docker-logs docker-stop

help: ## List the targets
	@echo "Usage: make <target> [PORT=8000] [HOST=127.0.0.1]"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z0-9_-]+:.*## / {printf "  %-18s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo "  chapter-N          Serve chapter N (1-7) with auto-reload, e.g. make chapter-3 PORT=8003"
	@echo "  test-N             Run the checks of chapter N (1-7), e.g. make test-3"

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

setup: $(CORE_STAMP) ## Create .venv and install the pinned packages (done for you by every target)

# Chapter 07 needs PyTorch; these targets add it, and no other target does.
chapter-7 test-7: $(MODEL_STAMP)

train-7: $(MODEL_STAMP) ## Retrain chapter 07's model on the standard library (about 10 min on 2 cores)
	cd 07_model_serving && ../$(PY) -m model.train

chapter-%: $(CORE_STAMP)
	$(call need_chapter,$*)
	@$(PY) tools/serve.py "$(call chapter_dir,$*)" --host "$(HOST)" --port "$(PORT)"

test: $(CORE_STAMP) $(MODEL_STAMP) ## Run every chapter's checks
	$(PY) -m pytest

test-%: $(CORE_STAMP)
	$(call need_chapter,$*)
	$(PY) -m pytest "$(call chapter_dir,$*)"

lint: $(CORE_STAMP) ## ruff check and ruff format --check over the whole repository
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(CORE_STAMP) ## Fix what ruff can fix and format every file
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

snapshots: $(CORE_STAMP) $(MODEL_STAMP) ## Rewrite each chapter's OpenAPI snapshot after a deliberate API change
	UPDATE_SNAPSHOTS=1 $(PY) -m pytest -q -k test_openapi_schema_matches_snapshot

student-edition: $(CORE_STAMP) $(MODEL_STAMP) ## Write the student edition (solutions removed) to dist/student-edition
	$(PY) tools/student_edition.py dist/student-edition

DOCKER_IMAGE := part6-api-server
DOCKER_CONTAINER := api-server
need_docker = @command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1 || \
	{ echo "error: no Docker engine answers (is Docker Desktop or dockerd running?)." >&2; exit 1; }

docker-build: ## Build chapter 06's image (needs a Docker engine)
	$(need_docker)
	docker build -t $(DOCKER_IMAGE) 06_docker

docker-run: ## Start chapter 06's image as container api-server on port 8000, in the background
	$(need_docker)
	docker run -d --name $(DOCKER_CONTAINER) -p 8000:8000 $(DOCKER_IMAGE)
	@echo "Open http://localhost:8000/docs  -  logs: make docker-logs  -  stop: make docker-stop"

docker-logs: ## Follow the logs of container api-server
	$(need_docker)
	docker logs --follow $(DOCKER_CONTAINER)

docker-stop: ## Stop and remove container api-server
	$(need_docker)
	docker rm --force $(DOCKER_CONTAINER)

clean: ## Remove .venv, caches and generated files
	rm -rf $(VENV) dist .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
