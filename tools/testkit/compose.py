"""Run a compose service's command here, as the service would run it, without an engine.

Inside compose's network a service reaches another by its name (`http://api:8000`). Here the
command runs as a local process whose Python resolves each service name of the file to a
server the test chose (the app under test, or one that fails on purpose), and everything else
(`localhost` above all: in its own container, that is the smoke service itself) to a port
where nothing listens. `python`, `python3` and `sh` are on `PATH`, as in the slim Python
image; curl and wget are not, as they are not there either.
"""

import shlex
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

SITECUSTOMIZE = """\
import socket

_real = socket.getaddrinfo
_routes = {routes!r}
_closed = {closed!r}


def getaddrinfo(host, port, *args, **kwargs):
    port = int(port) if isinstance(port, int | str) and str(port).isdigit() else port
    name = host.decode() if isinstance(host, bytes) else host
    if (name, port) in _routes:
        return _real("127.0.0.1", _routes[(name, port)], *args, **kwargs)
    if name in {{service for service, _ in _routes}}:
        return _real("127.0.0.1", _closed, *args, **kwargs)  # a port the service does not serve
    if name in ("localhost", "127.0.0.1", "::1", "0.0.0.0"):
        return _real("127.0.0.1", _closed, *args, **kwargs)
    raise socket.gaierror(socket.EAI_NONAME, f"Name or service not known: {{name}}")


socket.getaddrinfo = getaddrinfo
"""


def services(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text()) or {}
    found = data.get("services") if isinstance(data, dict) else None
    return found if isinstance(found, dict) else {}


def interpolate(text: str) -> str:
    """Compose's `$$` is a literal `$` (variables are left as they are: none are set here)."""
    return text.replace("$$", "$")


def argv(service: dict[str, Any]) -> list[str]:
    """The command line the container runs: entrypoint then command, as compose builds it."""

    def split(value: Any) -> list[str]:
        if value is None:
            return []
        if isinstance(value, str):
            return shlex.split(interpolate(value))
        return [interpolate(str(item)) for item in value]

    entrypoint, command = split(service.get("entrypoint")), split(service.get("command"))
    return entrypoint + command if entrypoint or command else ["python3"]


def closed_port() -> tuple[socket.socket, int]:
    """A port that is bound but never listens: connecting to it is refused at once."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


def run(
    service: dict[str, Any], routes: dict[tuple[str, int], int], timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    """Run the service's command with `routes` ({("api", 8000): local port}) in place."""
    holder, closed = closed_port()
    with tempfile.TemporaryDirectory() as folder, holder:
        shims = Path(folder)
        (shims / "sitecustomize.py").write_text(SITECUSTOMIZE.format(routes=routes, closed=closed))
        for name in ("python", "python3"):
            shim = shims / name
            shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" "$@"\n')
            shim.chmod(0o755)
        (shims / "sh").symlink_to("/bin/sh")
        env = {
            "PATH": str(shims),
            "PYTHONPATH": str(shims),
            "HOME": folder,
            "LANG": "C.UTF-8",
        }
        env.update({str(k): str(v) for k, v in environment(service).items()})
        command = argv(service)
        try:
            return subprocess.run(
                command,
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except FileNotFoundError:
            return subprocess.CompletedProcess(
                command, 127, "", f"{command[0]}: not found in the image (only python and sh)"
            )
        except subprocess.TimeoutExpired as expired:
            output = expired.stdout or ""
            return subprocess.CompletedProcess(
                command,
                -1,
                output if isinstance(output, str) else output.decode(),
                f"still running after {timeout:.0f} s",
            )


def environment(service: dict[str, Any]) -> dict[str, Any]:
    value = service.get("environment") or {}
    if isinstance(value, list):
        return dict(item.split("=", 1) for item in value if "=" in str(item))
    return dict(value)
