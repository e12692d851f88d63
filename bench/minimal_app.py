"""The baseline of bench/load.py: a minimal Flask app that answers POST /api/v1/compute with
the bytes the product answered (read from a file), served like the product (waitress, the same
number of threads, the objects loaded at start frozen out of the collector's scans with
``gc.freeze()``). It reads the request body, as the product must, and does nothing else.

    python bench/minimal_app.py --port 8001 --threads 8 [--processes N] --answer FILE
        [--header NAME:VALUE ...]
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import socket
import sys
from pathlib import Path

import waitress
from flask import Flask, Response, request

from sheets_sync.prefork import bound_socket, serve_forked


def make_app(answer: bytes, headers: dict[str, str]) -> Flask:
    app = Flask("minimal")

    @app.post("/api/v1/compute")
    def compute() -> Response:
        request.get_data()
        return Response(answer, headers=headers)

    @app.get("/healthz")
    def healthz() -> str:
        return "ok"

    return app


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--processes", type=int, default=1)
    p.add_argument("--answer", type=Path, required=True)
    p.add_argument("--header", action="append", default=[], help="NAME:VALUE, repeatable")
    args = p.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    answer = args.answer.read_bytes()

    def process(_index: int, sock: socket.socket) -> None:
        app = make_app(answer, headers)
        gc.collect()  # the collector's treatment of `sheets-sync serve`: what is loaded is frozen
        gc.freeze()
        waitress.serve(app, sockets=[sock], threads=args.threads, ident="minimal")

    # as `sheets-sync serve`: a bound socket, served here or by forked processes
    sock = bound_socket("127.0.0.1", args.port)
    if args.processes > 1:
        return serve_forked(args.processes, process, sock)
    with contextlib.suppress(KeyboardInterrupt):
        process(0, sock)
    return 0

if __name__ == "__main__":
    sys.exit(main())
