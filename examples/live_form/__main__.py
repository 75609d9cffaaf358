"""``python -m examples.live_form [--port 8000] [--pace 0.025]``: serve the live form."""

from __future__ import annotations

import argparse

import uvicorn

from .app import create_app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--pace", type=float, default=0.025, help="seconds between events")
    args = parser.parse_args()
    print(f"live form: http://{args.host}:{args.port}/")
    uvicorn.run(create_app(pace=args.pace), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
