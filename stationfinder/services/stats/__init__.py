"""Check-in statistics, by question: the question checked (query), where its counts are read (sources,
with the pure calendar arithmetic of spans), the stations it covers (coverage), totals and groups
(groups), rankings (ranking), the dashboard's figures (dashboard) and group labels (labels)."""
