"""Prefect blocks of prefect-commercetools; `prefect block register -m blocks` registers them."""

from blocks.credentials import CommercetoolsCredentials

__all__ = ["CommercetoolsCredentials"]
