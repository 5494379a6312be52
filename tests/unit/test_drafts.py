"""Drafts from files: nested CSV columns, line numbers, and bad rows that never stop good ones."""

from __future__ import annotations

from pathlib import Path

from ctsync.push.draft_files import read_file, unflatten, validate_rows
from ctsync.push.resources.categories import CategoryDraft
from ctsync.push.resources.customers import CustomerDraft
from ctsync.push.resources.inventory import InventoryDraft
from ctsync.push.resources.products import ProductDraft, VariantDraft


def test_unflatten_nests_dotted_columns_and_reads_custom_values_as_json() -> None:
    document = unflatten(
        [
            ("key", "c1"),
            ("name.en", "Shoes"),
            ("addresses.0.key", "home"),
            ("addresses.0.country", "DE"),
            ("custom.type", "extra"),
            ("custom.fields.size", "42"),
            ("custom.fields.label", "big"),
            ("custom.fields.old", ""),
            ("addresses.1.key", ""),
            ("addresses.1.country", ""),
            ("description.en", ""),
            ("middleName", ""),
        ]
    )
    # An empty cell unsets (null); an address whose cells are all empty is no address.
    assert document == {
        "key": "c1",
        "name": {"en": "Shoes"},
        "addresses": [{"key": "home", "country": "DE"}],
        "custom": {"type": "extra", "fields": {"size": 42, "label": "big", "old": None}},
        "description": None,
        "middleName": None,
    }


def test_a_row_with_its_list_cells_empty_names_an_empty_list() -> None:
    document = unflatten([("key", "c1"), ("addresses.0.key", ""), ("addresses.0.country", "")])
    assert document == {"key": "c1", "addresses": []}
    localized = unflatten([("key", "k"), ("name.en", "Shoes"), ("name.de", "")])
    assert CategoryDraft.model_validate({**localized, "slug": {"en": "s"}}).name == {"en": "Shoes"}


def test_csv_rows_keep_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text(
        "key,email,firstName,addresses.0.key,addresses.0.country,addresses.1.key,"
        "addresses.1.country,defaultShippingAddress,customerGroup\n"
        "c1,ada@example.com,Ada,home,DE,,,home,vip\n"
        "\n"
        'c2,not-an-email,"Bob, Jr.",,,,,,\n'
        "c3,carl@example.com,Carl,,,work,de,,\n"
        "c4,dora@example.com,Dora,,,work,AT,work,\n",
        encoding="utf-8",
    )
    drafts, errors = validate_rows(CustomerDraft, read_file(path))
    assert [row.line for row in drafts] == [2, 6]
    assert drafts[0].draft.customerGroup is not None
    assert drafts[0].draft.customerGroup.key == "vip"
    assert drafts[1].draft.addresses[0].key == "work"  # an empty first slot is dropped
    assert [(e.line, e.field) for e in errors] == [(4, "email"), (5, "addresses.0.country")]


def test_jsonl_bad_json_and_unknown_fields(tmp_path: Path) -> None:
    path = tmp_path / "categories.jsonl"
    path.write_text(
        '{"key": "a", "name": {"en": "A"}, "slug": {"en": "a"}}\n'
        "{not json\n"
        '{"key": "b", "name": {"en": "B"}, "slug": {"en": "b"}, "colour": "red"}\n'
        '{"key": "c", "name": {}, "slug": {"en": "c"}, "parent": {"key": "a"}}\n',
        encoding="utf-8",
    )
    drafts, errors = validate_rows(CategoryDraft, read_file(path))
    assert [row.draft.key for row in drafts] == ["a"]
    assert [(e.line, e.field) for e in errors] == [(2, "row"), (3, "colour"), (4, "name")]
    assert "Extra inputs are not permitted" in errors[1].reason


def test_default_address_must_name_an_address() -> None:
    rows = [(1, {"email": "a@b.co", "defaultBillingAddress": "nowhere"})]
    drafts, errors = validate_rows(CustomerDraft, rows)
    assert drafts == [] and "no address has the key 'nowhere'" in errors[0].reason


def test_inventory_delivery_is_normalized_to_commercetools_spelling() -> None:
    draft = InventoryDraft.model_validate(
        {"sku": "S", "quantityOnStock": "3", "expectedDelivery": "2026-03-01T10:00:00+02:00"}
    )
    assert draft.quantityOnStock == 3
    assert draft.expectedDelivery == "2026-03-01T08:00:00.000Z"


PRODUCT_CSV = (
    "key,productType,name.en,slug.en,categories.0,categories.1,taxCategory,publish,"
    "masterVariant.sku,masterVariant.prices.0.value.currencyCode,"
    "masterVariant.prices.0.value.centAmount,masterVariant.prices.0.country,"
    "masterVariant.attributes.color,masterVariant.attributes.size,"
    "variants.0.sku,variants.0.prices.0.value.currencyCode,variants.0.prices.0.value.centAmount\n"
    "tee,shirt,Tee,tee,women,,standard,true,tee-s,EUR,1999,DE,red,42,tee-m,EUR,2099\n"
    "cap,shirt,Cap,cap,,,,false,cap-1,EUR,abc,,,,,,\n"
)


def test_a_product_row_nests_variants_prices_and_typed_attributes(tmp_path: Path) -> None:
    path = tmp_path / "products.csv"
    path.write_text(PRODUCT_CSV, encoding="utf-8")
    drafts, errors = validate_rows(ProductDraft, read_file(path))
    assert [row.line for row in drafts] == [2]
    tee = drafts[0].draft
    assert tee.publish is True and [c.key for c in tee.categories] == ["women"]
    assert tee.masterVariant.attributes == {"color": "red", "size": 42}
    assert tee.masterVariant.prices[0].value.centAmount == 1999
    assert tee.masterVariant.prices[0].scope == ("EUR", "DE", None, None)
    assert [v.sku for v in tee.variants] == ["tee-m"]
    assert [(e.line, e.field) for e in errors] == [(3, "masterVariant.prices.0.value.centAmount")]


def test_product_drafts_refuse_shared_skus_and_same_scope_prices() -> None:
    base = {"key": "p", "productType": "t", "name": {"en": "P"}, "slug": {"en": "p"}}
    twice = {**base, "masterVariant": {"sku": "a"}, "variants": [{"sku": "a"}]}
    price = {"value": {"currencyCode": "EUR", "centAmount": 1}}
    same_scope = {**base, "masterVariant": {"sku": "a", "prices": [price, price]}}
    _, errors = validate_rows(ProductDraft, enumerate([twice, same_scope], start=1))
    assert ["share a SKU" in errors[0].reason, "same scope" in errors[1].reason] == [True, True]


def test_attributes_in_commercetools_list_form_are_read_by_name() -> None:
    variant = VariantDraft.model_validate(
        {"sku": "a", "attributes": [{"name": "color", "value": "red"}]}
    )
    assert variant.attributes == {"color": "red"}
