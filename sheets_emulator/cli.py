"""Command line: `python -m sheets_emulator --host 127.0.0.1 --port 8085 [--data DIR]
[--seed FILE.xlsx[=ID][@LOCALE] ...] [--require-token [TOKEN]] [--read-quota N]
[--write-quota N] [--verbose]`.

Prints one line `sheets_emulator listening on http://HOST:PORT` (the real port when --port 0),
then one line per seeded spreadsheet with its id and URL, and serves until interrupted.
"""

from __future__ import annotations

import argparse
import signal
import sys
from types import FrameType

from .app import Emulator
from .errors import ApiError
from .seed import SeedError, parse_spec
from .server import build_server
from .store import Store


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sheets_emulator",
        description="A local Google Sheets API v4 (+ Drive v3) emulator for gspread. Point a "
                    "client at it with SHEETS_EMULATOR_HOST=HOST:PORT.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
    parser.add_argument("--port", type=int, default=8085, help="port (8085; 0 picks a free one)")
    parser.add_argument("--data", metavar="DIR",
                        help="save state here on every write and load it on start")
    parser.add_argument("--seed", action="append", default=[], metavar="FILE.xlsx[=ID][@LOCALE]",
                        help="load a workbook as a spreadsheet (id defaults to the file stem, "
                             "locale to ru_RU for *_ru files, else en_US); repeatable")
    parser.add_argument("--require-token", nargs="?", const=True, default=False,
                        metavar="TOKEN",
                        help="answer 401 without a bearer token (or without this token)")
    parser.add_argument("--read-quota", type=int, metavar="N",
                        help="read requests per minute per user (Google: 60)")
    parser.add_argument("--write-quota", type=int, metavar="N",
                        help="write requests per minute per user (Google: 60)")
    parser.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        seeds = [parse_spec(s) for s in args.seed]
        app = Emulator(Store(args.data), seeds=seeds, require_token=args.require_token,
                       read_quota=args.read_quota, write_quota=args.write_quota)
    except (SeedError, ApiError) as exc:
        print(f"sheets_emulator: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"sheets_emulator: cannot use data folder {args.data}: {exc}", file=sys.stderr)
        return 2
    try:
        server = build_server(app, args.host, args.port, verbose=args.verbose)
    except OSError as exc:
        print(f"sheets_emulator: cannot listen on {args.host}:{args.port}: {exc}",
              file=sys.stderr)
        return 2

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"sheets_emulator listening on http://{args.host}:{server.server_port}", flush=True)
    for spec in seeds:
        book = app.store.books[spec.spreadsheet_id]
        print(f"seeded {spec.path} as {book.id} ({book.locale}): {book.url()}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        app.faults.release.set()
        server.server_close()
    return 0
