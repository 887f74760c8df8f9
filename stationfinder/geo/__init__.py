"""Geometry helpers with no Flask imports: coordinate systems and navigation links."""
