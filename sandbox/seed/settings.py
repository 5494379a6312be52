"""Project settings and B2B structure: custom objects, API extensions, subscriptions, attribute
groups, discount groups, recurrence policies, associate roles and business units."""

from __future__ import annotations

import copy
import random
from typing import Any

from sandbox.seed.common import (
    COMPANIES,
    STREETS,
    Resource,
    SeedDoc,
    id_reference,
    key_reference,
    localized,
    resource_base,
    section_rng,
    slugify,
)

EU_COUNTRIES = ("DE", "NL", "FR")
AWS_ACCOUNT = "123456789012"
# commercetools returns extension secrets masked; the mock answers "****" for both fields.
MASKED = "****"


def eu_shopper(customer: Resource) -> bool:
    """A customer who can shop in the EU store in euros: EU default address, no other store."""
    stores = [s["key"] for s in customer["stores"]]
    return customer["addresses"][0]["country"] in EU_COUNTRIES and stores in ([], ["eu-store"])


def custom_objects(seed: int) -> list[Resource]:
    rng = section_rng(seed, "custom-objects")
    values: list[tuple[str, str, Any]] = [
        (
            "checkout-config",
            "default",
            {
                "minOrderValue": {"EUR": 1000, "USD": 1200},
                "allowedCountries": ["DE", "NL", "FR", "GB", "US"],
                "guestCheckout": True,
                "termsVersion": "2026-01",
            },
        ),
        (
            "checkout-config",
            "eu-store",
            {"freeShippingFrom": {"currencyCode": "EUR", "centAmount": 5000}, "giftWrap": True},
        ),
        ("feature-flags", "new-checkout", True),
        ("feature-flags", "search-v2", {"enabled": False, "rollout": 0.25, "since": "2026-03-01"}),
        ("feature-flags", "max-cart-lines", 50),
        ("feature-flags", "maintenance-banner", "Planned maintenance on 2026-07-04, 02:00 UTC"),
        (
            "erp-mapping",
            "payment-methods",
            {"CREDIT_CARD": "ZK01", "PAYPAL": "ZK02", "INVOICE": "ZK07"},
        ),
        ("erp-mapping", "warehouses", ["WH-EU-001", "WH-US-001", "WH-NL-AMS"]),
    ]
    out = []
    for container, key, value in values:
        obj = resource_base(rng)
        obj.update(container=container, key=key, value=value)
        out.append(obj)
    return out


def extensions(seed: int) -> list[Resource]:
    rng = section_rng(seed, "extensions")
    http = resource_base(rng, "order-number-generator")
    http.update(
        destination={
            "type": "HTTP",
            "url": "https://extensions.example.com/order-number",
            "authentication": {"type": "AuthorizationHeader", "headerValue": MASKED},
        },
        triggers=[{"resourceTypeId": "order", "actions": ["Create"]}],
        timeoutInMs=2000,
    )
    lambda_ = resource_base(rng, "cart-validate")
    lambda_.update(
        destination={
            "type": "AWSLambda",
            "arn": f"arn:aws:lambda:eu-central-1:{AWS_ACCOUNT}:function:cart-validate",
            "accessKey": "AKIAIOSFODNN7SANDBOX",
            "accessSecret": MASKED,
        },
        triggers=[{"resourceTypeId": "cart", "actions": ["Create", "Update"]}],
        timeoutInMs=1000,
    )
    fraud = resource_base(rng, "payment-fraud-check")
    fraud.update(
        destination={"type": "HTTP", "url": "https://fraud.example.com/commercetools/payments"},
        triggers=[
            {
                "resourceTypeId": "payment",
                "actions": ["Create"],
                "condition": "amountPlanned(centAmount > 100000)",
            }
        ],
        timeoutInMs=5000,
    )
    return [http, lambda_, fraud]


def subscriptions(seed: int) -> list[Resource]:
    rng = section_rng(seed, "subscriptions")
    common = {"events": [], "format": {"type": "Platform"}, "status": "Healthy"}
    sqs = resource_base(rng, "product-changes-sqs")
    sqs.update(
        destination={
            "type": "SQS",
            "queueUrl": f"https://sqs.eu-central-1.amazonaws.com/{AWS_ACCOUNT}/ct-product-changes",
            "region": "eu-central-1",
            "authenticationMode": "IAM",
        },
        changes=[{"resourceTypeId": "product"}, {"resourceTypeId": "inventory-entry"}],
        messages=[],
        **common,
    )
    pubsub = resource_base(rng, "order-messages-pubsub")
    pubsub.update(
        destination={
            "type": "GoogleCloudPubSub",
            "projectId": "sandbox-shop",
            "topic": "ct-orders",
        },
        changes=[],
        messages=[
            {"resourceTypeId": "order", "types": ["OrderCreated", "OrderStateChanged"]},
            {"resourceTypeId": "payment", "types": ["PaymentTransactionStateChanged"]},
        ],
        **common,
    )
    bridge = resource_base(rng, "customer-events-eventbridge")
    bridge.update(
        destination={
            "type": "EventBridge",
            "region": "eu-central-1",
            "accountId": AWS_ACCOUNT,
            "source": "aws.partner/commercetools.com/sandbox/customer-events-eventbridge",
        },
        changes=[{"resourceTypeId": "customer"}],
        messages=[{"resourceTypeId": "customer", "types": ["CustomerCreated"]}],
        **common,
    )
    return [sqs, pubsub, bridge]


def attribute_groups(seed: int, product_types: list[Resource]) -> list[Resource]:
    rng = section_rng(seed, "attribute-groups")
    names = {pt["key"]: [a["name"] for a in pt["attributes"]] for pt in product_types}
    out = []
    for key, en, de, attrs in [
        ("apparel-basics", "Apparel basics", "Bekleidung Basis", names["apparel"]),
        (
            "electronics-specs",
            "Electronics specs",
            "Technische Daten",
            [a for a in names["electronics"] if a != "color"],
        ),
        ("materials", "Materials", "Materialien", ["material"]),
    ]:
        group = resource_base(rng, key)
        group.update(
            name=localized(en, de),
            description=localized(f"Attributes of the {en.lower()} team", f"Attribute: {de}"),
            attributes=[{"key": a} for a in attrs],
        )
        out.append(group)
    return out


def discount_groups(seed: int) -> list[Resource]:
    rng = section_rng(seed, "discount-groups")
    out = []
    for key, en, de, sort_order, active in [
        ("seasonal", "Seasonal campaigns", "Saisonale Aktionen", "0.3", True),
        ("loyalty", "Loyalty rewards", "Treueprämien", "0.5", True),
        ("clearance", "Clearance", "Abverkauf", "0.7", False),
    ]:
        group = resource_base(rng, key)
        group.update(
            name=localized(en, de),
            description=localized(f"{en} cart discounts", f"Warenkorbrabatte: {de}"),
            sortOrder=sort_order,
            isActive=active,
        )
        out.append(group)
    return out


def _standard(unit: str, value: int) -> dict[str, Any]:
    return {"type": "standard", "intervalUnit": unit, "value": value}


def recurrence_policies(seed: int) -> list[Resource]:
    rng = section_rng(seed, "recurrence-policies")
    out = []
    for key, en, de, schedule in [
        ("monthly", "Every month", "Jeden Monat", _standard("Months", 1)),
        ("every-2-weeks", "Every two weeks", "Alle zwei Wochen", _standard("Weeks", 2)),
        ("every-30-days", "Every 30 days", "Alle 30 Tage", _standard("Days", 30)),
        ("mid-month", "On the 15th", "Am 15. des Monats", {"type": "dayOfMonth", "day": 15}),
    ]:
        policy = resource_base(rng, key)
        policy.update(
            name=localized(en, de),
            description=localized(f"Subscription: {en.lower()}", f"Abonnement: {de}"),
            schedule=schedule,
        )
        out.append(policy)
    return out


# fmt: off
ROLE_PERMISSIONS = {
    "admin": ["UpdateBusinessUnitDetails", "AddChildUnits", "UpdateParentUnit", "UpdateAssociates",
              "ViewOthersCarts", "ViewOthersOrders", "ViewOthersQuoteRequests", "ViewOthersQuotes",
              "CreateApprovalRules", "UpdateApprovalRules", "UpdateApprovalFlows"],
    "buyer": ["ViewMyCarts", "CreateMyCarts", "UpdateMyCarts", "DeleteMyCarts",
              "CreateMyOrdersFromMyCarts", "ViewMyOrders", "CreateMyQuoteRequestsFromMyCarts",
              "ViewMyQuoteRequests", "ViewMyQuotes", "AcceptMyQuotes", "DeclineMyQuotes",
              "RenegotiateMyQuotes"],
    "approver": ["ViewOthersCarts", "ViewOthersOrders", "ViewOthersQuotes", "AcceptOthersQuotes",
                 "DeclineOthersQuotes", "UpdateApprovalFlows"],
    "viewer": ["ViewMyCarts", "ViewMyOrders", "ViewMyQuoteRequests", "ViewMyQuotes",
               "ViewMyShoppingLists"],
}
# fmt: on


def associate_roles(seed: int) -> list[Resource]:
    rng = section_rng(seed, "associate-roles")
    out = []
    for key, permissions in ROLE_PERMISSIONS.items():
        role = resource_base(rng, key)
        role.update(
            name=key.title(),
            buyerAssignable=key in ("buyer", "viewer"),
            permissions=permissions,
        )
        out.append(role)
    return out


def _associate(customer: Resource, *roles: str) -> Resource:
    return {
        "customer": id_reference("customer", customer),
        "associateRoleAssignments": [
            {
                "associateRole": {"typeId": "associate-role", "key": role},
                "inheritance": "Enabled",
            }
            for role in roles
        ],
    }


def _company_address(rng: random.Random, key: str, company: str, country: str) -> Resource:
    cities = {"DE": ("Berlin", "10115"), "NL": ("Utrecht", "3511 AA"), "FR": ("Lyon", "69001")}
    city, postal = cities[country]
    return {
        "id": "".join(rng.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=8)),
        "key": key,
        "company": company,
        "streetName": rng.choice(STREETS),
        "streetNumber": str(rng.randint(1, 220)),
        "postalCode": postal,
        "city": city,
        "country": country,
    }


def _unit(rng: random.Random, key: str, name: str, parent: Resource | None) -> Resource:
    unit = resource_base(rng, key)
    unit.update(
        status="Active",
        storeMode="FromParent" if parent else "Explicit",
        unitType="Division" if parent else "Company",
        name=name,
        contactEmail=f"purchasing@{key}.example.com",
        addresses=[],
        shippingAddressIds=[],
        billingAddressIds=[],
        associateMode="ExplicitAndFromParent" if parent else "Explicit",
        associates=[],
        approvalRuleMode="ExplicitAndFromParent" if parent else "Explicit",
    )
    if parent:
        unit["parentUnit"] = key_reference("business-unit", parent)
        unit["topLevelUnit"] = parent["topLevelUnit"]
        unit["inheritedStores"] = copy.deepcopy(parent["stores"])
        unit["inheritedAssociates"] = [
            {
                "customer": copy.deepcopy(a["customer"]),
                "associateRoleAssignments": [
                    {
                        "associateRole": copy.deepcopy(r["associateRole"]),
                        "source": key_reference("business-unit", parent),
                    }
                    for r in a["associateRoleAssignments"]
                    if r["inheritance"] == "Enabled"
                ],
            }
            for a in parent["associates"]
        ]
    else:
        unit["topLevelUnit"] = {"typeId": "business-unit", "key": key}
    return unit


def business_units(seed: int, customers: list[Resource], stores: list[Resource]) -> list[Resource]:
    """Three companies (associates: EU customers working there), two divisions of the first."""
    rng = section_rng(seed, "business-units")
    staff: dict[str, list[Resource]] = {}
    for cust in customers:
        if cust.get("companyName") in COMPANIES and eu_shopper(cust):
            staff.setdefault(cust["companyName"], []).append(cust)
    companies = [c for c in COMPANIES if len(staff.get(c, [])) >= 4][:3]
    eu_store = next(s for s in stores if s["key"] == "eu-store")
    out: list[Resource] = []
    for n, company in enumerate(companies):
        people = staff[company]
        unit = _unit(rng, slugify(company), company, None)
        country = people[0]["addresses"][0]["country"]
        address = _company_address(rng, f"{unit['key']}-hq", company, country)
        unit.update(
            stores=[key_reference("store", eu_store)],
            addresses=[address],
            shippingAddressIds=[address["id"]],
            billingAddressIds=[address["id"]],
            defaultShippingAddressId=address["id"],
            defaultBillingAddressId=address["id"],
            associates=[_associate(people[0], "admin", "buyer"), _associate(people[1], "buyer")],
        )
        if n == 2:
            unit["status"] = "Inactive"
        out.append(unit)
        if n == 0:
            for suffix, label, person in [
                ("purchasing", "Purchasing", people[2]),
                ("stores", "Retail stores", people[3]),
            ]:
                division = _unit(rng, f"{unit['key']}-{suffix}", f"{company} {label}", unit)
                division["associates"] = [_associate(person, "buyer", "approver")]
                out.append(division)
    return out


def settings_sections(seed: int, doc: SeedDoc) -> dict[str, list[Resource]]:
    """The settings sections by storage type id (business units from `doc`'s customers)."""
    return {
        "key-value-document": custom_objects(seed),
        "business-unit": business_units(seed, doc["customer"], doc["store"]),
        "associate-role": associate_roles(seed),
        "recurrence-policy": recurrence_policies(seed),
        "attribute-group": attribute_groups(seed, doc["product-type"]),
        "discount-group": discount_groups(seed),
        "extension": extensions(seed),
        "subscription": subscriptions(seed),
    }
