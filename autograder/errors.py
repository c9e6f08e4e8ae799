"""The one exception type for mistakes a person can fix (bad input, bad manifest, missing files)."""


class UsageError(Exception):
    """A user mistake: printed as one line on stderr, exit code 2, never a traceback."""


class ManifestError(UsageError):
    """A lab folder whose lab.toml is broken: the folder's name and the one-line problem."""

    def __init__(self, folder_name: str, message: str) -> None:
        super().__init__(message)
        self.folder_name = folder_name
