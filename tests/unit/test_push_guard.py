"""What a push counts as destructive, how it says so, and when it stops before writing."""

from __future__ import annotations

import pytest

from ctsync.push.guard import describe, is_destructive, note, refusal
from ctsync.push.resources.customers import CustomerDraft, customer_actions
from ctsync.run.counts import PushCounts
from ctsync.run.options import PushOptions


def test_removals_and_unsets_are_destructive_changes_are_not() -> None:
    destructive = [
        {"action": "removeAddress", "addressKey": "home"},
        {"action": "removePrice", "priceId": "p1"},
        {"action": "removeVariant", "sku": "tee-m"},
        {"action": "removeFromCategory", "category": {"typeId": "category", "id": "c1"}},
        {"action": "setLastName"},
        {"action": "setCustomField", "name": "size"},
        {"action": "setAttribute", "sku": "tee-s", "name": "color"},
        {"action": "setCustomType"},
    ]
    kept = [
        {"action": "setLastName", "lastName": "L"},
        {"action": "changeQuantity", "quantity": 0},
        {"action": "setAttribute", "sku": "tee-s", "name": "color", "value": "red"},
        {"action": "setDefaultShippingAddress", "addressKey": "home"},
        {"action": "addAddress", "address": {"key": "a", "country": "DE"}},
        {"action": "publish"},
    ]
    assert all(is_destructive(a) for a in destructive)
    assert not any(is_destructive(a) for a in kept)
    assert [describe(a) for a in destructive] == [
        "removeAddress home",
        "removePrice p1",
        "removeVariant tee-m",
        "removeFromCategory c1",
        "unset lastName",
        "unset size",
        "unset color of tee-s",
        "unset customType",
    ]


def test_removing_a_default_address_needs_no_unset_of_the_default() -> None:
    current = {
        "id": "c1",
        "email": "a@example.com",
        "addresses": [{"id": "a1", "key": "home", "country": "DE"}],
        "defaultShippingAddressId": "a1",
    }
    draft = CustomerDraft(email="a@example.com", addresses=[])
    assert customer_actions(draft, current, {}, replace=True) == [
        {"action": "removeAddress", "addressKey": "home"}
    ]


def planned(destructive: int) -> PushCounts:
    counts = PushCounts()
    for line in range(destructive):
        note(counts, line + 2, f"key c{line}", [{"action": "removeAddress", "addressKey": "home"}])
    return counts


def test_the_push_stops_above_the_share_and_the_floor_only() -> None:
    options = PushOptions()
    assert refusal(planned(10), 10, options) is None  # at most 10 drafts always pass
    assert refusal(planned(30), 300, options) is None  # 10 % of 300
    message = refusal(planned(31), 300, options)
    assert message is not None
    assert message.startswith("push stopped before writing anything: 31 of 300 drafts (10%)")
    assert "removeAddress 31" in message and "line 2 (key c0): removeAddress home" in message
    assert refusal(planned(31), 300, PushOptions(allow_destructive=True)) is None
    assert refusal(planned(31), 300, PushOptions(max_destructive_share=0.5)) is None


def test_a_share_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(ValueError, match=r"max_destructive_share is 2\.0"):
        PushOptions(max_destructive_share=2)
