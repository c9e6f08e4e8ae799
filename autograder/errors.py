"""The one exception type for mistakes a person can fix (bad input, bad manifest, missing files)."""


class UsageError(Exception):
    """A user mistake: printed as one line on stderr, exit code 2, never a traceback."""
