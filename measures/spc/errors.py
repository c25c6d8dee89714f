"""Exceptions raised by the SPC engine."""

from __future__ import annotations

__all__ = ["SPCError"]


class SPCError(ValueError):
    """Input that qicharts2 refuses, or that the engine cannot interpret.

    Subclasses ValueError so generic input-validation handlers catch it too.
    """
