"""`python -m provisioner.sandbox [--port N] [--data FILE] [--seed demo] ...` (the CLI wraps the same serve())."""

from __future__ import annotations

import argparse

from .server import serve


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m provisioner.sandbox", description=__doc__)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--data", help="SQLite file (default: a temporary one)")
    parser.add_argument("--seed", help="demo | empty | bench:guides=G,... (default: keep existing data)")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--faults", dest="faults_file", help="JSON file with a list of fault rules")
    parser.add_argument("--pco-rate-limit", type=int, default=100)
    parser.add_argument("--pco-rate-period", type=int, default=20)
    args = parser.parse_args()
    serve(
        port=args.port,
        data=args.data,
        seed=args.seed,
        latency=args.latency,
        faults_file=args.faults_file,
        pco_rate_limit=args.pco_rate_limit,
        pco_rate_period=args.pco_rate_period,
    )


if __name__ == "__main__":
    main()
