"""The position papers admin, one module a model family."""

from positions.admin import issuer, paper, records

__all__ = ["issuer", "paper", "records"]
