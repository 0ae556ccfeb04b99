"""newsmon: a news-monitoring scraper and alerting daemon."""

__version__ = "0.1.0"
