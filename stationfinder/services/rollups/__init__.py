"""Pre-aggregated check-in counts: which rows a check-in adds to (counting), and the batched step
that counts pending check-ins into them (fold)."""
