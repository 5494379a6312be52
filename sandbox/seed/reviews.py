"""Product reviews by customers and guests, approved or pending."""

from __future__ import annotations

from sandbox.seed.carts import Catalog
from sandbox.seed.common import Resource, id_reference, resource_base, section_rng

REVIEWS = [
    (5, "Great quality", "Exactly as described, fits perfectly. Would buy again."),
    (4, "Very good", "Good value for the price; delivery took a few days longer than expected."),
    (2, "Disappointing", "The colour looks different from the pictures."),
    (5, "Love it", "My second one already, the material is excellent."),
    (3, "Okay", "Does the job, nothing special."),
    (4, "Solid", "Well made. The size runs slightly small."),
    (1, "Broke after a week", "Stopped working after a week, I sent it back."),
    (5, "Perfect gift", "Bought it as a present and it was a hit."),
]


def reviews(
    seed: int, cat: Catalog, customers: list[Resource], states: list[Resource]
) -> list[Resource]:
    """Reviews of published products, none included in statistics (states have no such role)."""
    rng = section_rng(seed, "reviews")
    review_states = {s["key"]: s for s in states if s["type"] == "ReviewState"}
    products = rng.sample(cat.products, k=min(len(cat.products), len(REVIEWS)))
    authors = rng.sample(customers, k=min(len(customers), len(REVIEWS)))
    out = []
    for i, ((rating, title, text), product, author) in enumerate(
        zip(REVIEWS, products, authors, strict=False)
    ):
        review = resource_base(rng, f"review-{i + 1:04d}" if i % 2 == 0 else None)
        by_customer = i % 4 != 3
        if by_customer:
            review["uniquenessValue"] = f"{author['id']}+{product['id']}"
        review.update(
            locale="en",
            authorName=author["firstName"] if by_customer else "Guest",
            title=title,
            text=text,
            target=id_reference("product", product),
            rating=rating,
            includedInStatistics=False,
        )
        state = "review-pending" if i % 3 == 2 else "review-approved"
        review["state"] = id_reference("state", review_states[state])
        if by_customer:
            review["customer"] = id_reference("customer", author)
        out.append(review)
    return out
