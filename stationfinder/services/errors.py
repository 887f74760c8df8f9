"""Domain errors raised by services; views translate them into HTTP or form messages."""


class DomainError(Exception):
    """Base of every error a service raises on purpose."""


class NotFound(DomainError):
    """The thing asked for does not exist."""


class Gone(DomainError):
    """The thing asked for existed but was retired."""


class Closed(DomainError):
    """The station is closed (for good or for now), so nothing there can be counted."""


class InvalidInput(DomainError):
    """Input broke a rule the schema could not check."""


class Forbidden(DomainError):
    """The caller may not do this."""


class Conflict(DomainError):
    """The change does not fit the thing's current state (a transition the workflow does not allow)."""
