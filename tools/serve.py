"""Serve one chapter with auto-reload: `make chapter-N`, and `make demo-N` with --demo.

Before uvicorn starts, three checks, each answered in one line when it fails: the chapter
exists, the port can be bound (as uvicorn binds it), and the app starts once without the
reloader (`start_check.py`). The served app is `chapter_app.py`: the chapter's own app with
/docs and /redoc working offline, and with --demo the chapter's demo records.
"""

import argparse
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import uvicorn
from chapter_app import CHAPTER_VARIABLE, DEMO_VARIABLE
from demo_seeds import SEEDS_FILE, read_seed_requests
from messages import say

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"


def port_is_free(host: str, port: int) -> bool:
    """Bind as uvicorn does, with SO_REUSEADDR: a closed connection's TIME_WAIT is no obstacle."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def start_failure(chapter: Path, demo: bool) -> str | None:
    """Start the app once without the reloader; the one-line reason when it cannot start."""
    with tempfile.TemporaryDirectory() as scratch:
        verdict = Path(scratch) / "verdict.txt"
        command = [sys.executable, str(TOOLS / "start_check.py"), str(chapter)]
        command += ["--verdict", str(verdict), *(["--demo"] if demo else [])]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode == 0:
            return None
        if verdict.is_file():
            return verdict.read_text().strip()
        output = (result.stdout + result.stderr).strip().splitlines()
        shown = " | ".join(output[-3:])
        return say("serve.start_check_failed", code=result.returncode, output=shown)


def print_addresses(chapter: Path, host: str, port: int, demo: bool) -> None:
    # 0.0.0.0 listens on every interface; this machine reaches itself at 127.0.0.1.
    shown = "127.0.0.1" if host == "0.0.0.0" else f"[{host}]" if ":" in host else host
    base = f"http://{shown}:{port}"
    if demo:
        print(say("serve.demo", chapter=chapter.name))
        print(say("serve.projector", url=f"{base}/docs"))
        if seeds := len(read_seed_requests(chapter)):
            path = f"{chapter.name}/{SEEDS_FILE}"
            print(say("serve.demo_records", count=seeds, path=path), flush=True)
        else:
            print(say("serve.no_demo_records", name=SEEDS_FILE), flush=True)
        return
    print(say("serve.serving", chapter=chapter.name))
    print(f"  API:        {base}/")
    print(f"  Swagger UI: {base}/docs")
    print(f"  ReDoc:      {base}/redoc", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("chapter", help="chapter folder, e.g. 01_first_steps")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--demo", action="store_true", help="add the chapter's demo records")
    args = parser.parse_args()

    chapter = ROOT / args.chapter
    if not args.chapter or not (chapter / "main.py").is_file():
        sys.exit(say("serve.no_chapter", chapter=args.chapter))
    if not port_is_free(args.host, args.port):
        sys.exit(say("serve.port_in_use", port=args.port, host=args.host, other=args.port + 1))
    if (reason := start_failure(chapter, args.demo)) is not None:
        sys.exit(say("serve.did_not_start", chapter=chapter.name, reason=reason))

    print_addresses(chapter, args.host, args.port, args.demo)
    sys.stdout.flush()
    os.environ[CHAPTER_VARIABLE] = str(chapter)  # read by chapter_app at every reload
    os.environ[DEMO_VARIABLE] = "1" if args.demo else "0"
    uvicorn.run(
        "chapter_app:from_environment",
        factory=True,
        app_dir=str(TOOLS),
        host=args.host,
        port=args.port,
        reload=True,
        reload_dirs=[str(chapter)],
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(130)
