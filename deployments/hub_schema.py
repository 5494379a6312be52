"""`python -m deployments.hub_schema upgrade|revision [--url URL | --block NAME]`: the hub's
schema by hand.

Flows upgrade a hub on first use; this is the one command for doing it ahead of a deployment,
or for asking where a hub stands. On PostgreSQL the password comes from the block, or from
PGPASSWORD (psycopg reads it) when a URL is given.
"""

from __future__ import annotations

import argparse
import sys

from blocks.hub import HubDatabase
from ctsync.hub.database import DEFAULT_URL, HubUnavailable, connect_database
from ctsync.hub.upgrade import HEAD, open_database, revision

COMMAND = "python -m deployments.hub_schema"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description=__doc__)
    parser.add_argument("command", choices=["upgrade", "revision"])
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--url", help=f"the hub's database URL (default {DEFAULT_URL})")
    where.add_argument("--block", help="the name of a saved HubDatabase block")
    args = parser.parse_args(argv)
    try:
        url, password = _where(args.url, args.block)
        if args.command == "revision":
            return _print_revision(url, password)
        database = open_database(url, password=password)  # upgrades in place
        try:
            print(f"Hub {database.url} is at schema revision {revision(database)} (head {HEAD})")
        finally:
            database.close()
    except (ValueError, HubUnavailable) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _where(url: str | None, block: str | None) -> tuple[str, str | None]:
    if block is None:
        return url or DEFAULT_URL, None
    saved = HubDatabase.load(block)
    return saved.url, saved.password.get_secret_value() if saved.password else None


def _print_revision(url: str, password: str | None) -> int:
    database = connect_database(url, password=password)  # asking must not upgrade
    try:
        found = revision(database)
    finally:
        database.close()
    state = "empty" if found is None else found
    behind = found is not None and found != HEAD
    print(f"Hub {database.url} is at schema revision {state} (head {HEAD})")
    if behind:
        print(f"{COMMAND} upgrade upgrades it in place (flows also do on first use)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
