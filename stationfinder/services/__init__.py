"""Business logic: plain functions and classes that views and CLI commands call.

Services raise domain errors and ``flush``; the request or command owns the commit.
"""
