"""Fixtures for this chapter's tests: a fresh app for every test, from modules loaded by path.

The chapter's modules are imported once per session (SQLModel registers its tables globally,
so importing `database.py` twice would redefine them); each test then builds its own app with
`create_app()`, which reads the environment. Every test gets its own SQLite file and runs on
the CPU with the committed model, unless it sets other variables through `env` first.
"""

import contextlib
import functools
import importlib
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import openai
import pytest
import schemathesis
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from testkit.inprocess import load_file

HOOKS = load_file(Path(__file__).with_name("host_hooks.py"))  # the tests' runners, and spec()
CHAPTER_DIR = Path(__file__).resolve().parents[1]
SETTINGS = (
    "MODEL_PATH",
    "DEVICE",
    "DATABASE_URL",
    "DB_BUSY_TIMEOUT_S",
    "MAX_NEW_TOKENS_LIMIT",
    "REQUEST_TIMEOUT_S",
    "QUEUE_SIZE",
    "MAX_BATCH_SIZE",
    "PREFIX_CACHE_BLOCKS",
    "SPECULATIVE_TOKENS",
    "DRAIN_S",
    "CPU_THREADS",
    "ENGINE_PROCESS",
    "LOG_LEVEL",
    "API_KEY",
)


# Tests that take `engine_mode` run twice: with the engine in a thread of the server, and in a
# process of its own (`ENGINE_PROCESS=true`, as the image runs it; slow: one more process each).
ENGINE_MODES = ["thread", pytest.param("process", marks=pytest.mark.slow)]
# A runner the test controls (a gate, a fault, a slow step) lives in the server's process only.
IN_PROCESS_RUNNERS = {"load_controlled_app", "load_slow_app"}
ENGINE_USERS = {"load_app", "make_engine"}  # a test without either has no engine to place


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "engine_mode" not in metafunc.fixturenames:
        return
    fixtures = set(metafunc.fixturenames)
    thread_only = (
        metafunc.definition.get_closest_marker("thread_engine_only")
        or IN_PROCESS_RUNNERS & fixtures
        or not ENGINE_USERS & fixtures
    )
    metafunc.parametrize("engine_mode", ["thread"] if thread_only else ENGINE_MODES, indirect=True)


@pytest.fixture
def engine_mode(request: pytest.FixtureRequest, env: pytest.MonkeyPatch) -> str:
    """ "thread" or "process": where the app's engine runs (set before the app is built)."""
    env.setenv("ENGINE_PROCESS", "true" if request.param == "process" else "false")
    return request.param


def forget_chapter_modules() -> None:
    for name, module in list(sys.modules.items()):
        origin = getattr(module, "__file__", None) or ""
        if origin.startswith(str(CHAPTER_DIR)) and "tests" not in Path(origin).parts:
            del sys.modules[name]


def load_module(name: str) -> ModuleType:
    """Import one of the chapter's modules with this folder on sys.path, then forget them."""
    forget_chapter_modules()
    sys.path.insert(0, str(CHAPTER_DIR))
    try:
        return importlib.import_module(name)
    finally:
        sys.path.remove(str(CHAPTER_DIR))
        forget_chapter_modules()


@functools.cache
def chapter_module(name: str) -> ModuleType:
    return load_module(name)


@pytest.fixture
def chapter() -> Callable[[str], ModuleType]:
    """Import one of the chapter's modules by name, e.g. `chapter("serving.text_collector")`."""
    return chapter_module


@pytest.fixture
def app_spec() -> dict[str, object]:
    """How the app host builds this chapter's app for `api` (the graded checks' fixture)."""
    return HOOKS.spec()


@pytest.fixture
def model_package() -> ModuleType:
    """The data scientist's `model` package, as the service imports it."""
    return chapter_module("model")


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """A clean environment: CPU, a fresh database, short limits; tests may set more."""
    for variable in SETTINGS:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("DEVICE", "cpu")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'generations.db'}")
    monkeypatch.setenv("CPU_THREADS", "1")  # the chapter's default
    return monkeypatch


@pytest.fixture
def load_app(env: pytest.MonkeyPatch) -> Callable[[], FastAPI]:
    return lambda: chapter_module("main").create_app()


def controlled_runner(real: object) -> object:
    """The real model behind a gate that a test can close (`close_gate`, `open_gate`, `entered`),
    with faults it can inject (`faults`): host_hooks.GatedRunner, in the test's own process."""
    return HOOKS.GatedRunner(real, gate_timeout_s=10)


def slow_runner(real: object) -> object:
    """A controlled runner whose each step that decodes takes at least 20 ms: long enough to act
    in the middle of one."""
    return HOOKS.GatedRunner(real, gate_timeout_s=10, step_s=0.02)


@pytest.fixture
def load_controlled_app(env: pytest.MonkeyPatch) -> Callable[..., FastAPI]:
    """An app whose runner is `controlled_runner` (or what the factory given makes of the real
    one), at `service.runner`. The engine takes it through `create_app(runner_factory=...)`:
    nothing live is patched."""
    main = chapter_module("main")
    return lambda wrap=controlled_runner: main.create_app(
        runner_factory=lambda settings: wrap(main.load_runner(settings))
    )


@pytest.fixture
def app(load_app: Callable[[], FastAPI]) -> FastAPI:
    return load_app()


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def api_schema(client: TestClient) -> schemathesis.schemas.BaseSchema:
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


@contextlib.contextmanager
def serving() -> Iterator[Callable[[FastAPI], str]]:
    """Serve apps with a real uvicorn on free ports, in threads; stop them afterwards."""
    servers: list[tuple[uvicorn.Server, threading.Thread]] = []

    def start(app: FastAPI) -> str:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        servers.append((server, thread))
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.02)
        return f"http://127.0.0.1:{port}"

    try:
        yield start
    finally:
        for server, thread in servers:
            server.should_exit = True
            thread.join(timeout=30)


@pytest.fixture
def serve() -> Iterator[Callable[[FastAPI], str]]:
    with serving() as start:
        yield start


@pytest.fixture
def base_url(serve: Callable[[FastAPI], str], app: FastAPI) -> str:
    """This test's app, served over real HTTP."""
    return serve(app)


@pytest.fixture
def openai_client(base_url: str) -> openai.OpenAI:
    """The official `openai` client, pointed at this test's app."""
    return openai.OpenAI(base_url=f"{base_url}/v1", api_key="not-needed", max_retries=0)


@pytest.fixture(scope="module")
def shared_base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One server with the default settings for a whole test module (read-mostly tests)."""
    with pytest.MonkeyPatch.context() as patch, serving() as start:
        for variable in SETTINGS:
            patch.delenv(variable, raising=False)
        folder = tmp_path_factory.mktemp("shared")
        patch.setenv("DEVICE", "cpu")
        patch.setenv("DATABASE_URL", f"sqlite:///{folder / 'generations.db'}")
        patch.setenv("CPU_THREADS", "1")
        yield start(chapter_module("main").create_app())


@pytest.fixture
def load_slow_app(load_controlled_app: Callable[..., FastAPI]) -> Callable[[], FastAPI]:
    return lambda: load_controlled_app(slow_runner)


@pytest.fixture
def engine_parts() -> ModuleType:
    """The engine's parts as `engine/process.py` imports them: `Engine` and `EngineProcess`,
    the runner, the sampling parameters and the errors, all from one import."""
    return chapter_module("engine.process")


@pytest.fixture
def peer_module() -> ModuleType:
    """The benchmark's conversion to `transformers`' GPT-2 (needs the benchmark extras)."""
    return chapter_module("bench.peer")


@pytest.fixture
def hf_folder_module() -> ModuleType:
    """The benchmark's Hugging Face folder for vLLM (needs the benchmark extras)."""
    return chapter_module("bench.hf_folder")
