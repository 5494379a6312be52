"""Deterministic seed data for the sandbox, shaped as the commercetools HTTP API returns it.

Every id comes from a seeded `random.Random`, every timestamp from a fixed window
(2026-01-01 .. 2026-06-30), so the committed `sandbox/data/seed.json` is reproducible and tests
can assert on exact data. Each section uses its own RNG stream, so growing one section (say, more
customers) does not reshuffle the others.

CLI: ``python -m sandbox.seed -o sandbox/data/seed.json`` writes the default data set.
"""

from sandbox.seed.bulk import customers_only, large_products
from sandbox.seed.common import LAST_NAMES, Resource, SeedDoc
from sandbox.seed.customers import BULK_IMPORT_AT, BULK_IMPORT_SIZE
from sandbox.seed.document import DEFAULT_SEED_PATH, counts, dumps, generate

__all__ = [
    "BULK_IMPORT_AT",
    "BULK_IMPORT_SIZE",
    "DEFAULT_SEED_PATH",
    "LAST_NAMES",
    "Resource",
    "SeedDoc",
    "counts",
    "customers_only",
    "dumps",
    "generate",
    "large_products",
]
