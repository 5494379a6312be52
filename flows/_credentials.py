"""Resolving the `credentials` parameter every flow takes: a saved block's name or a block."""

from __future__ import annotations

from blocks import CommercetoolsCredentials


def resolve_credentials(credentials: CommercetoolsCredentials | str) -> CommercetoolsCredentials:
    if isinstance(credentials, CommercetoolsCredentials):
        return credentials
    if isinstance(credentials, str) and credentials.strip():
        try:
            return CommercetoolsCredentials.load(credentials.strip())  # type: ignore[return-value]
        except ValueError as error:
            raise ValueError(
                f"credentials {credentials!r}: no commercetools-credentials block of that name "
                f"could be loaded ({error}); save one in the Prefect UI (Blocks > Add) or with "
                "CommercetoolsCredentials(...).save(name)"
            ) from None
    raise TypeError(
        "credentials must be the name of a saved commercetools-credentials block or a "
        f"CommercetoolsCredentials instance, not {type(credentials).__name__}"
    )
