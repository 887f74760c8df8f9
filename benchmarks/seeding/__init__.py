"""Seed benchmark data: national-scale stations and check-ins (``data``), their rollups in bulk (``bulk``),
and the ``flask bench-data`` command (``cli``). Kept out of the installed package."""
