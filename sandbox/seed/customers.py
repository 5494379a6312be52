"""The customers: names, addresses in five countries, companies, groups, stores, loyalty fields.

A block of them shares one lastModifiedAt, as after a bulk import, so that delta paging meets a
tie that spans page boundaries.
"""

from __future__ import annotations

import random

from sandbox.seed.common import (
    COMPANIES,
    FIRST_NAMES,
    LAST_NAMES,
    STREETS,
    Resource,
    SeedDoc,
    id_reference,
    key_reference,
    resource_base,
    section_rng,
)

# Many customers share this lastModifiedAt, as after a bulk import: delta paging must not lose
# or repeat any of them when a page boundary falls inside the group.
BULK_IMPORT_AT = "2026-03-14T09:26:53.589Z"
BULK_IMPORT_SIZE = 45

CITIES = {
    "DE": [("Berlin", "10115"), ("München", "80331"), ("Hamburg", "20095"), ("Köln", "50667")],
    "NL": [("Amsterdam", "1012 AB"), ("Utrecht", "3511 AA"), ("Rotterdam", "3011 AD")],
    "US": [("New York", "10001"), ("Chicago", "60601"), ("Austin", "73301")],
    "GB": [("London", "EC1A 1BB"), ("Manchester", "M1 1AE")],
    "FR": [("Paris", "75001"), ("Lyon", "69001")],
}
COUNTRY_WEIGHTS = [("DE", 4), ("NL", 3), ("US", 3), ("GB", 1), ("FR", 1)]


def customer_sections(seed: int, n: int, doc: SeedDoc) -> dict[str, list[Resource]]:
    """`n` customers in the groups and stores of `doc`, some with its loyalty type's fields."""
    return {"customer": _customers(seed, n, doc["customer-group"], doc["type"], doc["store"])}


def _country(rng: random.Random) -> str:
    countries, weights = zip(*COUNTRY_WEIGHTS, strict=True)
    return rng.choices(countries, weights)[0]


def _address(rng: random.Random, key: str, first: str, last: str, email: str) -> Resource:
    country = _country(rng)
    city, postal = rng.choice(CITIES[country])
    return {
        "id": "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789", k=8)),
        "key": key,
        "firstName": first,
        "lastName": last,
        "streetName": rng.choice(STREETS),
        "streetNumber": str(rng.randint(1, 220)),
        "postalCode": postal,
        "city": city,
        "country": country,
        "email": email,
        "phone": f"+{rng.randint(10, 49)} {rng.randint(100, 999)} {rng.randint(100000, 999999)}",
    }


def _ascii(text: str) -> str:
    table = str.maketrans({"ü": "ue", "ö": "oe", "ä": "ae", "ß": "ss", " ": ""})
    return text.lower().translate(table)


def _customer(
    rng: random.Random,
    i: int,
    *,
    key_prefix: str,
    groups: list[Resource],
    loyalty_type: Resource | None,
    stores: list[Resource],
) -> Resource:
    first = rng.choice(FIRST_NAMES)
    last = rng.choice(LAST_NAMES)
    email = f"{_ascii(first)}.{_ascii(last)}.{key_prefix}{i:05d}@example.com"
    key = f"{key_prefix}-{i:05d}"
    cust = resource_base(rng, key)
    n_addr = rng.choice((1, 1, 2, 2, 3))
    addresses = [
        _address(rng, f"{key}-{label}", first, last, email)
        for label in ("home", "work", "other")[:n_addr]
    ]
    company = rng.choice(COMPANIES) if rng.random() < 0.3 else None
    cust.update(
        customerNumber=f"C{100000 + i}",
        email=email,
        firstName=first,
        lastName=last,
        salutation=rng.choice(("Mr", "Ms", "Mx")),
        dateOfBirth=f"{rng.randint(1950, 2005)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
        addresses=addresses,
        defaultShippingAddressId=addresses[0]["id"],
        defaultBillingAddressId=addresses[-1]["id"],
        shippingAddressIds=[a["id"] for a in addresses[:2]],
        billingAddressIds=[addresses[-1]["id"]],
        isEmailVerified=rng.random() < 0.8,
        authenticationMode="Password",
        stores=[],
        customerGroupAssignments=[],
    )
    if company:
        cust["companyName"] = company
        cust["vatId"] = f"DE{rng.randint(100000000, 999999999)}"
    _memberships(rng, cust, groups, loyalty_type, stores)
    return cust


def _memberships(
    rng: random.Random,
    cust: Resource,
    groups: list[Resource],
    loyalty_type: Resource | None,
    stores: list[Resource],
) -> None:
    """A customer group, a store and loyalty fields, each for some customers."""
    if groups and rng.random() < 0.7:
        group = rng.choice(groups)
        cust["customerGroup"] = id_reference("customer-group", group)
        cust["customerGroupAssignments"] = [
            {"customerGroup": id_reference("customer-group", group)}
        ]
    if stores and rng.random() < 0.4:
        cust["stores"] = [key_reference("store", rng.choice(stores))]
    if loyalty_type and rng.random() < 0.6:
        cust["custom"] = {
            "type": id_reference("type", loyalty_type),
            "fields": {
                "loyaltyTier": rng.choice(("bronze", "silver", "gold", "platinum")),
                "loyaltyPoints": rng.randint(0, 20000),
                "newsletter": rng.random() < 0.5,
                "erpId": f"ERP-{rng.randint(10000, 99999)}",
            },
        }


def _customers(
    seed: int, n: int, groups: list[Resource], types: list[Resource], stores: list[Resource]
) -> list[Resource]:
    rng = section_rng(seed, "customers")
    out = [
        _customer(
            rng, i, key_prefix="customer", groups=groups, loyalty_type=types[0], stores=stores
        )
        for i in range(1, n + 1)
    ]
    # A bulk import touched a block of customers in the same millisecond.
    for cust in out[: min(BULK_IMPORT_SIZE, n)]:
        cust["lastModifiedAt"] = BULK_IMPORT_AT
        cust["createdAt"] = min(cust["createdAt"], BULK_IMPORT_AT)
    return out
