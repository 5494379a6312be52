"""What every seed section shares: the resource shape, the fixed time window, the name pools,
and the helpers that make ids, timestamps, references, money and localized strings.

Every value comes from a seeded `random.Random` (one stream per section, `section_rng`), every
timestamp from the window, so a section's output depends only on the seed and its inputs.
"""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

Resource = dict[str, Any]
SeedDoc = dict[str, Any]

BASE = datetime(2026, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 181 * 24 * 3600  # 2026-01-01 .. 2026-06-30
WINDOW_END = BASE + timedelta(seconds=SPAN_SECONDS)
CURRENCY_OF = {"DE": "EUR", "NL": "EUR", "FR": "EUR", "US": "USD", "GB": "GBP"}

# fmt: off
FIRST_NAMES = [
    "Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hannes", "Ida", "Jonas", "Katja",
    "Lukas", "Mia", "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Sven", "Tara", "Ulla", "Victor",
    "Wiebke", "Xaver", "Yara", "Zoe", "Liam", "Sophie", "Max", "Lena",
]
LAST_NAMES = [
    "Müller", "Schmidt", "de Vries", "Jansen", "Smith", "Johnson", "Brown", "Fischer", "Weber",
    "Meyer", "Bakker", "Visser", "Wagner", "Becker", "Hoffmann", "Garcia", "Miller", "Davis",
    "Koch", "Richter", "Klein", "Wolf", "Peters", "Mulder", "Dubois", "Martin", "Bernard",
]
COMPANIES = [
    "Acme GmbH", "Northwind BV", "Globex Inc.", "Initech LLC", "Umbrella AG", "Hooli Ltd",
    "Stark Handels GmbH", "Wayne Retail Inc.", "Tyrell BV", "Vandelay Industries",
]
STREETS = [
    "Hauptstraße", "Bahnhofstraße", "Keizersgracht", "Prinsengracht", "Main Street", "Oak Avenue",
    "Schillerstraße", "Marktplatz", "High Street", "Rue de Rivoli", "Lindenallee", "Damrak",
]
# fmt: on


def section_rng(seed: int, section: str) -> random.Random:
    """One RNG stream per section, so sections stay stable when others change size."""
    return random.Random(f"{seed}:{section}")


def random_uuid(rng: random.Random) -> str:
    """A version-4 UUID string drawn from `rng`."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def iso_timestamp(dt: datetime) -> str:
    """`dt` as the API writes timestamps: UTC, millisecond precision, a trailing Z."""
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def _times(rng: random.Random) -> tuple[str, str]:
    """createdAt <= lastModifiedAt, both inside the fixed window, millisecond precision."""
    created = rng.randrange(SPAN_SECONDS * 1000)
    modified = created + rng.randrange(SPAN_SECONDS * 1000 - created)
    return (
        iso_timestamp(BASE + timedelta(milliseconds=created)),
        iso_timestamp(BASE + timedelta(milliseconds=modified)),
    )


def resource_base(
    rng: random.Random, key: str | None = None, version: int | None = None
) -> Resource:
    """The fields every resource starts with: id, version (random 1..9 unless given),
    createdAt/lastModifiedAt inside the window, and `key` when given."""
    created, modified = _times(rng)
    # createdBy/lastModifiedBy are left to the sandbox, which fills them in on load.
    res: Resource = {"id": random_uuid(rng), "version": version or rng.randint(1, 9)}
    res["createdAt"] = created
    res["lastModifiedAt"] = modified
    if key is not None:
        res["key"] = key
    return res


def id_reference(type_id: str, resource: Resource) -> dict[str, str]:
    """A reference to `resource` by id."""
    return {"typeId": type_id, "id": resource["id"]}


def key_reference(type_id: str, resource: Resource) -> dict[str, str]:
    """A reference (resource identifier) to `resource` by key."""
    return {"typeId": type_id, "key": resource["key"]}


def cent_money(cents: int, currency: str) -> dict[str, Any]:
    """A centPrecision money value of `cents` in `currency` (two fraction digits)."""
    return {
        "type": "centPrecision",
        "currencyCode": currency,
        "centAmount": cents,
        "fractionDigits": 2,
    }


def localized(en: str, de: str | None = None) -> dict[str, str]:
    """A localized string in English and German (the English text when `de` is missing)."""
    return {"en": en, "de": de or en}


def slugify(text: str) -> str:
    """`text` lowercased, each run of characters other than ASCII letters and digits made one
    hyphen, none at either end."""
    out = []
    for ch in text.lower():
        out.append(ch if ch.isascii() and ch.isalnum() else "-")
    return "-".join(filter(None, "".join(out).split("-")))


def parse_timestamp(ts: str) -> datetime:
    """The datetime of a timestamp written by `iso_timestamp`."""
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def restamp_after(rng: random.Random, res: Resource, earliest: str, days: int = 14) -> Resource:
    """Move `res`'s createdAt/lastModifiedAt to after `earliest` (by up to `days` each), inside
    the window."""

    def later(at: datetime) -> datetime:
        room = int((WINDOW_END - at).total_seconds() * 1000)
        return at + timedelta(milliseconds=rng.randrange(1, max(2, min(room, days * 86_400_000))))

    created = later(parse_timestamp(earliest))
    res["createdAt"], res["lastModifiedAt"] = iso_timestamp(created), iso_timestamp(later(created))
    return res
