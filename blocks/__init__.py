"""Prefect blocks of prefect-commercetools; `prefect block register -m blocks` registers them."""

from blocks.credentials import CommercetoolsCredentials
from blocks.hub import HubDatabase
from blocks.queue import SqsDestination

__all__ = ["CommercetoolsCredentials", "HubDatabase", "SqsDestination"]
