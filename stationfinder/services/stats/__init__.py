"""Check-in statistics, by question: calendar spans (spans), reading the rollups (read), groups
(groups), rankings (ranking) and the dashboard's figures (dashboard)."""
