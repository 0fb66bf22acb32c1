"""Chapter 07 on several replicas with Ray Serve: the same app, one engine and model in each.

    make chapter-7-ray REPLICAS=2 PORT=8000

Each replica is a Ray actor, a process of its own, that builds this chapter's app with
`create_app()` and runs its lifespan: it loads the model, starts its engine, and drains them
when Ray stops the replica. Ray's proxy listens on PORT and hands each request to a replica
that has room. The replicas share one SQLite file (WAL), so every replica sees every row.
"""

import argparse
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

# Ray reads these when it is imported, so they come first. Token authentication: only
# processes that hold ~/.ray/auth_token may join the cluster (--kill below reads it too).
os.environ.setdefault("RAY_AUTH_MODE", "token")
os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage report: classrooms are offline
# Ray's crash handler aborts the process when SIGTERM arrives during the shutdown.
os.environ.setdefault("RAY_DISABLE_FAILURE_SIGNAL_HANDLER", "1")
# Ray Serve gives its HTTP proxy 5 s to answer a readiness check and 10 s a health check, three
# failures in a row and it gives up: on 2 busy cores, starting a proxy beside two replicas that
# load PyTorch took longer. A proxy that is slow to start is not broken: give it 60 s.
for _setting in ("RAY_SERVE_PROXY_READY_CHECK_TIMEOUT_S", "RAY_SERVE_PROXY_HEALTH_CHECK_TIMEOUT_S"):
    os.environ.setdefault(_setting, "60")

import ray
import torch
from fastapi import FastAPI
from ray import serve
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CHAPTER_DIR = Path(__file__).resolve().parent
APP_NAME = "chapter07"


class ReplicaHeader:
    """Names the replica that answered in an `X-Replica` header: the name of its Ray actor."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.name = serve.get_replica_context().replica_id.to_full_id_str().encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_named(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), (b"x-replica", self.name)]
            await send(message)

        await self.app(scope, receive, send_named)


def build_app() -> FastAPI:
    """Runs in each replica: the chapter's own app, plus the header that names the replica."""
    from main import create_app  # imported in the replica's process, from the chapter folder

    app = create_app()
    app.add_middleware(ReplicaHeader)
    return app


@serve.deployment(name="CodeGPT")
@serve.ingress(build_app)
class CodeGPT:
    def check_health(self) -> None:
        """Ray calls this every `health_check_period_s`; an exception replaces the replica."""
        service = getattr(self.app.state, "service", None)
        if service is not None and service.engine_failed:
            raise RuntimeError("the engine thread has stopped")


def deployment_options(replicas: int | None, cores: int) -> dict[str, Any]:
    """What Ray needs to know about one replica; `replicas=None` lets Ray choose how many."""
    from config import Settings

    settings = Settings()
    gpu = torch.cuda.is_available()
    options: dict[str, Any] = {
        # Ray's default of 5 would starve the engine: let in what its slots and queue hold.
        "max_ongoing_requests": settings.max_batch_size + settings.queue_size,
        # Requests waiting in Ray's proxy when every replica is full; past that: 503.
        "max_queued_requests": settings.queue_size,
        # One process per GPU; on a CPU, one core for the engine's thread.
        "ray_actor_options": {"num_cpus": 0 if gpu else 1, "num_gpus": 1 if gpu else 0},
        "health_check_period_s": 2,
        "graceful_shutdown_timeout_s": settings.drain_s + 5,
    }
    if replicas is None:
        options["autoscaling_config"] = {
            "min_replicas": 1,
            "max_replicas": torch.cuda.device_count() if gpu else cores,
            # Add a replica when each one has more requests than slots to batch them in.
            "target_ongoing_requests": settings.max_batch_size,
            "upscale_delay_s": 5,
            "downscale_delay_s": 60,
        }
    else:
        options["num_replicas"] = replicas
    return options


def start(replicas: int | None, host: str, port: int) -> str:
    """Start a local Ray cluster and the deployment; return the cluster's address."""
    cores = os.cpu_count() or 1
    if replicas is not None and not torch.cuda.is_available() and replicas > cores:
        sys.exit(f"error: {replicas} replicas need {replicas} cores; this machine has {cores}.")
    threads = max(1, cores // (replicas or 1))
    replica_env = {
        "PYTHONPATH": str(CHAPTER_DIR),
        # Replicas share the cores: each one's PyTorch gets its part, not all of them.
        "CPU_THREADS": os.environ.get("CPU_THREADS", str(threads)),
    }
    # Ctrl+C reaches every process in the terminal's group. Ray's own processes, started
    # here, ignore it, so that this one stops them in order: replicas drain, then Ray.
    handler = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        ray.init(
            num_cpus=cores,
            include_dashboard=False,
            runtime_env={"env_vars": replica_env},
            logging_level="warning",
            log_to_driver=True,
        )
    finally:
        signal.signal(signal.SIGINT, handler)
    serve.start(http_options={"host": host, "port": port})
    serve.run(
        CodeGPT.options(**deployment_options(replicas, cores)).bind(),
        name=APP_NAME,
        route_prefix="/",
    )
    return ray.get_runtime_context().gcs_address


def stop() -> None:
    """Stop the replicas (each drains its engine), then every process Ray started."""
    import psutil  # Ray ships it (ray/thirdparty_files) and puts it on sys.path

    started = psutil.Process().children(recursive=True)
    try:
        serve.shutdown()
    finally:
        ray.shutdown()
        # Ray's agents sometimes outlive `ray.shutdown()`: leave nothing behind.
        _, alive = psutil.wait_procs(started, timeout=10)
        for process in alive:
            process.kill()
        psutil.wait_procs(alive, timeout=5)


def kill_replica(address: str, name: str) -> None:
    """Kill one replica as a crash would (no drain), to watch Ray replace it."""
    ray.init(address=address, logging_level="error")
    try:
        ray.kill(ray.get_actor(name, namespace="serve"), no_restart=True)
    finally:
        ray.shutdown()


def interrupt(number: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicas", default="2", help="a number, or auto (autoscaling)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--kill", metavar="X_REPLICA", help="kill this replica of a running cluster"
    )
    parser.add_argument("--address", help="with --kill: the cluster's address, as printed")
    args = parser.parse_args()
    if args.kill:
        kill_replica(args.address, args.kill)
        return
    replicas = None if args.replicas == "auto" else int(args.replicas)
    for number in (signal.SIGINT, signal.SIGTERM):  # Ctrl+C and `kill` both end in `stop()`
        signal.signal(number, interrupt)
    try:
        address = start(replicas, args.host, args.port)
        signal.signal(signal.SIGTERM, interrupt)  # ray.init() put its own in place
        url = f"http://{args.host}:{args.port}"
        print(f"Ray cluster at {address}: {replicas or 'autoscaled'} replicas", flush=True)
        print(f"Open {url}/docs  -  /stats  -  press Ctrl+C to stop everything", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl+C must not cut the stop
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("Stopping the replicas and the Ray cluster...", flush=True)
        stop()
        print("Stopped.", flush=True)


if __name__ == "__main__":
    main()
