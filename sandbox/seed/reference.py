"""The project's reference data, which the other sections point at: custom types, customer
groups, channels, tax categories, zones, shipping methods, states and stores."""

from __future__ import annotations

from typing import Any

from sandbox.seed.common import (
    Resource,
    cent_money,
    id_reference,
    key_reference,
    localized,
    resource_base,
    section_rng,
)


def reference_sections(seed: int) -> dict[str, list[Resource]]:
    """The reference sections by storage type id, in the order the seed file lists them."""
    tax = _tax_categories(seed)
    zones = _zones(seed)
    channels = _channels(seed)
    return {
        "type": _types(seed),
        "customer-group": _customer_groups(seed),
        "channel": channels,
        "tax-category": tax,
        "zone": zones,
        "shipping-method": _shipping_methods(seed, tax, zones),
        "state": _states(seed),
        "store": _stores(seed, channels),
    }


def _types(seed: int) -> list[Resource]:
    rng = section_rng(seed, "types")

    def field(name: str, label: str, type_: dict[str, Any], required: bool = False) -> Resource:
        return {
            "name": name,
            "label": localized(label),
            "required": required,
            "type": type_,
            "inputHint": "SingleLine",
        }

    tiers = [{"key": k, "label": k.title()} for k in ("bronze", "silver", "gold", "platinum")]
    customer_type = resource_base(rng, "customer-loyalty", version=1)
    customer_type.update(
        name=localized("Customer loyalty", "Kundentreue"),
        description=localized("Loyalty programme fields"),
        resourceTypeIds=["customer"],
        fieldDefinitions=[
            field("loyaltyTier", "Loyalty tier", {"name": "Enum", "values": tiers}),
            field("loyaltyPoints", "Points", {"name": "Number"}),
            field("newsletter", "Newsletter", {"name": "Boolean"}),
            field("erpId", "ERP id", {"name": "String"}),
        ],
    )
    order_type = resource_base(rng, "order-extra", version=1)
    order_type.update(
        name=localized("Order extras", "Bestellzusätze"),
        resourceTypeIds=["order"],
        fieldDefinitions=[
            field("giftMessage", "Gift message", {"name": "String"}),
            field("erpOrderId", "ERP order id", {"name": "String"}),
        ],
    )
    category_type = resource_base(rng, "category-extra", version=1)
    category_type.update(
        name=localized("Category extras"),
        resourceTypeIds=["category"],
        fieldDefinitions=[field("bannerUrl", "Banner", {"name": "String"})],
    )
    return [customer_type, order_type, category_type]


def _customer_groups(seed: int) -> list[Resource]:
    rng = section_rng(seed, "customer-groups")
    out = []
    for key, name in [
        ("b2c-regular", "Regular customers"),
        ("b2c-vip", "VIP customers"),
        ("b2b-wholesale", "Wholesale"),
        ("employees", "Employees"),
    ]:
        group = resource_base(rng, key)
        group["name"] = name
        out.append(group)
    return out


def _channels(seed: int) -> list[Resource]:
    rng = section_rng(seed, "channels")
    out = []
    for key, name, roles, country in [
        ("warehouse-eu", "Warehouse Europe", ["InventorySupply"], "DE"),
        ("warehouse-us", "Warehouse US", ["InventorySupply"], "US"),
        ("store-amsterdam", "Store Amsterdam", ["InventorySupply", "ProductDistribution"], "NL"),
        ("dist-eu", "Distribution Europe", ["ProductDistribution"], "DE"),
    ]:
        channel = resource_base(rng, key)
        channel.update(roles=roles, name=localized(name), address={"country": country})
        out.append(channel)
    return out


def _tax_categories(seed: int) -> list[Resource]:
    rng = section_rng(seed, "tax-categories")
    out = []
    for key, name, rates in [
        ("standard", "Standard", {"DE": 0.19, "NL": 0.21, "FR": 0.2, "GB": 0.2, "US": 0.0}),
        ("reduced", "Reduced", {"DE": 0.07, "NL": 0.09, "FR": 0.055, "GB": 0.05, "US": 0.0}),
    ]:
        cat = resource_base(rng, key)
        cat.update(
            name=name,
            rates=[
                {
                    "id": "".join(rng.choices("abcdefghijkmnpqrstuvwxyz23456789", k=8)),
                    "name": f"{name} {country}",
                    "amount": amount,
                    "includedInPrice": country != "US",
                    "country": country,
                    "subRates": [],
                }
                for country, amount in rates.items()
            ],
        )
        out.append(cat)
    return out


def _zones(seed: int) -> list[Resource]:
    rng = section_rng(seed, "zones")
    europe = resource_base(rng, "europe")
    europe.update(name="Europe", locations=[{"country": c} for c in ("DE", "NL", "FR", "GB")])
    na = resource_base(rng, "north-america")
    na.update(name="North America", locations=[{"country": "US"}])
    return [europe, na]


def _shipping_methods(seed: int, tax: list[Resource], zones: list[Resource]) -> list[Resource]:
    rng = section_rng(seed, "shipping-methods")
    out = []
    for key, name, eur, usd, default in [
        ("standard", "Standard", 495, 599, True),
        ("express", "Express", 1295, 1499, False),
    ]:
        method = resource_base(rng, key)
        method.update(
            name=name,
            localizedName=localized(name, "Express" if key == "express" else "Standardversand"),
            taxCategory=id_reference("tax-category", tax[0]),
            active=True,
            isDefault=default,
            zoneRates=[
                {
                    "zone": id_reference("zone", zones[0]),
                    "shippingRates": [{"price": cent_money(eur, "EUR"), "tiers": []}],
                },
                {
                    "zone": id_reference("zone", zones[1]),
                    "shippingRates": [{"price": cent_money(usd, "USD"), "tiers": []}],
                },
            ],
        )
        out.append(method)
    return out


def _states(seed: int) -> list[Resource]:
    rng = section_rng(seed, "states")
    out = []
    for key, type_, initial, name in [
        ("order-open", "OrderState", True, "Open"),
        ("order-picking", "OrderState", False, "Picking"),
        ("order-shipped", "OrderState", False, "Shipped"),
        ("order-delivered", "OrderState", False, "Delivered"),
        ("review-pending", "ReviewState", True, "Pending"),
        ("review-approved", "ReviewState", False, "Approved"),
    ]:
        state = resource_base(rng, key)
        state.update(type=type_, name=localized(name), initial=initial, builtIn=False, roles=[])
        out.append(state)
    by_key = {s["key"]: s for s in out}
    flow = [
        ("order-open", "order-picking"),
        ("order-picking", "order-shipped"),
        ("order-shipped", "order-delivered"),
        ("review-pending", "review-approved"),
    ]
    for src, dst in flow:
        by_key[src]["transitions"] = [id_reference("state", by_key[dst])]
    return out


def _stores(seed: int, channels: list[Resource]) -> list[Resource]:
    rng = section_rng(seed, "stores")
    by_key = {c["key"]: c for c in channels}
    eu = resource_base(rng, "eu-store")
    eu.update(
        name=localized("EU store", "EU-Shop"),
        languages=["en", "de", "nl"],
        countries=[{"code": c} for c in ("DE", "NL", "FR", "GB")],
        distributionChannels=[key_reference("channel", by_key["dist-eu"])],
        supplyChannels=[key_reference("channel", by_key["warehouse-eu"])],
        productSelections=[],
    )
    us = resource_base(rng, "us-store")
    us.update(
        name=localized("US store"),
        languages=["en"],
        countries=[{"code": "US"}],
        distributionChannels=[],
        supplyChannels=[key_reference("channel", by_key["warehouse-us"])],
        productSelections=[],
    )
    return [eu, us]
