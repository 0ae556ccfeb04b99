"""One error family: every error a user sees is a NewsmonError whose message says what to do."""


class NewsmonError(Exception):
    """Base of every error newsmon reports to a user."""


class ConfigError(NewsmonError):
    """The configuration is invalid; the message lists every problem with its file and key."""


class ExtractionError(NewsmonError):
    """A page could not be turned into an article (garbage, empty, not an article)."""


class StoreError(NewsmonError):
    """The database cannot be opened or written."""


class NotifyError(NewsmonError):
    """Notification targets cannot be loaded; the message names the file and line, never a URL."""
