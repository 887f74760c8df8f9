"""The nearest-station search: an in-memory index per worker (search) in compact columns (packed)."""
