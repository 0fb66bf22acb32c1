"""Serve one chapter's app with auto-reload, after checking that the port is free.

The app is wrapped by `offline_docs.py`, so that /docs and /redoc work without internet.
"""

import argparse
import os
import socket
import sys
from pathlib import Path

import uvicorn

ROOT = Path(__file__).resolve().parents[1]


def port_is_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("chapter", help="chapter folder, e.g. 01_first_steps")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()

    chapter = ROOT / args.chapter
    if not args.chapter or not (chapter / "main.py").is_file():
        sys.exit(f"error: no chapter at '{args.chapter}'. Use make chapter-N with N from 1 to 7.")
    if not port_is_free(args.host, args.port):
        sys.exit(
            f"error: port {args.port} on {args.host} is already in use (another chapter still "
            f"running?). Stop it with Ctrl+C, or pick another: make chapter-N PORT={args.port + 1}"
        )

    # 0.0.0.0 listens on every interface; this machine reaches itself at 127.0.0.1.
    shown_host = "127.0.0.1" if args.host == "0.0.0.0" else args.host
    print(f"Serving {chapter.name} - stop with Ctrl+C")
    print(f"  API:        http://{shown_host}:{args.port}/")
    print(f"  Swagger UI: http://{shown_host}:{args.port}/docs")
    print(f"  ReDoc:      http://{shown_host}:{args.port}/redoc", flush=True)
    os.environ["COURSE_CHAPTER_DIR"] = str(chapter)  # read by offline_docs in each reload
    uvicorn.run(
        "offline_docs:app",
        app_dir=str(ROOT / "tools"),
        host=args.host,
        port=args.port,
        reload=True,
        reload_dirs=[str(chapter)],
    )


if __name__ == "__main__":
    main()
