"""The transactional outbox: report notifications written with their change, sent by workers.

- ``writing.enqueue`` adds a message for each webhook of a report's regions, in the transaction
  of the change (``reports.history.changed`` calls it), so a crash loses neither.
- ``claiming`` hands due messages to workers one at a time under a lease (``FOR UPDATE SKIP
  LOCKED`` on PostgreSQL; SQLite's write lock serialises the claim), records each try's result
  and schedules retries with exponential backoff.
- ``listing`` answers the staff pages: abandoned messages in a scope, and sending one again.

``units.deliver`` is the loop that claims, sends and records.
"""
