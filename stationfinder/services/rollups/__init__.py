"""Pre-aggregated check-in counts: the count tables, each declared once (registry), the rows a
check-in adds to them (counting), and the batched step that counts pending check-ins (fold)."""
