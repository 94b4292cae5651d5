"""Errors a person can act on: each carries one line that says what went wrong."""


class FiredeskError(Exception):
    """A mistake or condition the user can fix; shown as one line, no traceback."""


class NotFound(FiredeskError):
    """An incident, event, alert or person that does not exist."""


class InvalidInput(FiredeskError):
    """Input that cannot be accepted as given (bad severity, empty note, ...)."""


class StoreError(FiredeskError):
    """The database cannot be opened or written."""


class StoreBusy(StoreError):
    """Another process held the write lock past the busy timeout."""
