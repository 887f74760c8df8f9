"""Stations: look them up (lookup), their opening hours (hours, hours_words), their file columns
(fields), import and export, the staff's edits (admin) and the demo data set (demo)."""
