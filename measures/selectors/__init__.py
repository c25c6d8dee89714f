"""Reads of the measures app, one module per area (import from the area module: selectors.entry, ...)."""
