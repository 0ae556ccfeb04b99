"""`python -m monitor.sample_site --port 8800`: run the sample site in the foreground."""

from __future__ import annotations

import argparse

from monitor.sample_site.server import serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m monitor.sample_site",
        description="Serve the newsmon sample news site until Ctrl-C.",
        epilog="Example: python -m monitor.sample_site --port 8800 --advance-every 60",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8800, help="port (default 8800; 0 = any)")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    parser.add_argument(
        "--advance-every",
        type=float,
        metavar="SECONDS",
        help="apply the next timeline step every SECONDS (default: only on POST /_control/advance)",
    )
    args = parser.parse_args(argv)
    serve(args.host, args.port, verbose=not args.quiet, advance_every=args.advance_every)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
