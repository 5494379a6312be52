"""`python -m sandbox.seed`: write a data set to a file (default: the committed seed)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import sandbox.seed
from sandbox.seed.document import DEFAULT_SEED_PATH, counts, dumps, generate


def main(argv: list[str] | None = None) -> int:
    """CLI entry point: write a data set to a file (default: the committed seed)."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.seed", description=sandbox.seed.__doc__
    )
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_SEED_PATH)
    parser.add_argument("--customers", type=int, default=300)
    parser.add_argument("--products", type=int, default=300)
    parser.add_argument("--orders", type=int, default=200)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    doc = generate(
        customers=args.customers, products=args.products, orders=args.orders, seed=args.seed
    )
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(dumps(doc), encoding="utf-8")
    total = sum(counts(doc).values())
    size = args.output.stat().st_size
    print(f"wrote {total} resources ({size / 1e6:.2f} MB) to {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
