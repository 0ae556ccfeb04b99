"""Configuration: `config/monitor.toml`, validated at load into typed objects.

Every problem is collected, not just the first, and each names the file and
the key (`At 'sources[2].feeds[0]': ...`), so one run of `newsmon config
check` shows everything to fix.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from monitor.clock import parse_duration
from monitor.errors import ConfigError

DEFAULT_CONFIG = Path("config/monitor.toml")
SPIDERS = ("news", "zdf")  # spider kinds a source may name; see spiders/


@dataclass
class Source:
    """One outlet to watch: where to discover articles and which pages count as articles."""

    name: str
    spider: str = "news"
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)
    # Live blogs: streams polled on every discovery run, each new entry an event of its own.
    live_blogs: list[str] = field(default_factory=list)
    link_pattern: str = ""
    allowed_domains: list[str] = field(default_factory=list)
    interval: int = 600
    # Terms a new article must mention to be kept, or "rules": kept when any rule matches it.
    relevance: list[str] | str = field(default_factory=list)
    enabled: bool = True

    def is_article_url(self, url: str) -> bool:
        return not self.link_pattern or re.search(self.link_pattern, url) is not None


@dataclass
class CrawlSettings:
    """Politeness and limits; each maps to a Scrapy setting (see monitor/crawl/settings.py)."""

    user_agent: str = "newsmon/0.1 (+https://github.com/newsmon/newsmon; set crawl.user_agent)"
    obey_robots: bool = True
    download_delay: float = 1.0
    concurrent_per_domain: int = 2
    timeout: float = 30.0
    retries: int = 2
    max_page_bytes: int = 10 * 1024 * 1024
    autothrottle: bool = True


@dataclass
class NotifySettings:
    """Where alerts go and how hard delivery tries; target URLs live only in the apprise file."""

    apprise_config: Path | None = None
    admin_tag: str = "admin"
    max_attempts: int = 8
    backoff: int = 30
    daily_digest_at: str = "07:00"
    quiet_hours: dict[str, tuple[str, str]] = field(default_factory=dict)
    # Where `newsmon serve` is reached; alert messages link to the article's timeline there.
    datasette_url: str = ""


@dataclass
class HealthSettings:
    """When a source's trouble becomes an alert to the admin tag."""

    failures_in_a_row: int = 3
    silent_factor: float = 4.0
    silent_min: int = 6 * 3600
    short_ratio: float = 0.25


@dataclass
class RetentionSettings:
    """Raw HTML is pruned after raw_max_age seconds; the newest raw_keep per article stay."""

    raw_max_age: int = 30 * 86400
    raw_keep: int = 3


@dataclass
class Config:
    path: Path
    database: Path = Path("data/monitor.db")
    crawl: CrawlSettings = field(default_factory=CrawlSettings)
    sources: list[Source] = field(default_factory=list)
    rules: list[Any] = field(default_factory=list)  # monitor.rules.rules.Rule
    notify: NotifySettings = field(default_factory=NotifySettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    revisit: Any = None  # monitor.revisit.RevisitSettings

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"{self.path}: no source named {name!r} (known: {known})")


_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def load_config(path: str | Path = DEFAULT_CONFIG) -> Config:
    """Read and validate a config file; raise ConfigError listing every problem."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such config file (copy config/monitor.toml or pass --config)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path) -> Config:
    # Rules and the revisit policy are pure and know nothing of this module.
    from monitor.revisit import parse_revisit
    from monitor.rules.rules import parse_rules

    errors: list[str] = []
    raw = _expand_env(raw)
    tables = {"newsmon", "crawl", "sources", "rules", "notify", "health", "retention", "revisit"}
    _reject_unknown(raw, tables, "", errors)
    config = Config(path=path)

    general = _table(raw, "newsmon", errors)
    _reject_unknown(general, {"database"}, "newsmon", errors)
    if "database" in general:
        config.database = Path(_typed(general, "database", str, "newsmon", errors) or "")

    crawl = _table(raw, "crawl", errors)
    known = set(CrawlSettings.__dataclass_fields__)
    _reject_unknown(crawl, known, "crawl", errors)
    for key in known & crawl.keys():
        default = getattr(config.crawl, key)
        kind = float if isinstance(default, float) else type(default)
        value = _typed(crawl, key, kind, "crawl", errors)
        if value is not None:
            setattr(config.crawl, key, value)

    sources = raw.get("sources", [])
    if not isinstance(sources, list):
        errors.append("At 'sources': must be an array of tables ([[sources]])")
        sources = []
    seen: set[str] = set()
    for i, entry in enumerate(sources):
        source = _parse_source(entry, f"sources[{i}]", errors)
        if source is None:
            continue
        if source.name in seen:
            errors.append(f"At 'sources[{i}].name': duplicate source name {source.name!r}")
        seen.add(source.name)
        config.sources.append(source)

    config.rules = parse_rules(raw.get("rules", []), errors, "rules")
    known_sources = {s.name for s in config.sources}
    for rule in config.rules:
        origin = rule.origin  # "rules[2]", set by parse_rules
        for name in sorted(set(rule.sources) - known_sources):
            known = ", ".join(sorted(known_sources)) or "none"
            errors.append(f"At '{origin}.sources': no source named {name!r} (known: {known})")
        # A rule that fails at run time (a regex out of time) is reported with its place.
        rule.origin = f"{path}: {origin}"
    _parse_notify(_table(raw, "notify", errors), config, errors)
    _parse_health(_table(raw, "health", errors), config, errors)
    _parse_retention(_table(raw, "retention", errors), config, errors)
    config.revisit = parse_revisit(raw.get("revisit", {}), errors, "revisit")

    if errors:
        listing = "\n".join(f"  {secret_free(_suggest(e))}" for e in errors)
        raise ConfigError(f"{path}: {len(errors)} problem(s):\n{listing}")
    return config


def _parse_source(entry: Any, where: str, errors: list[str]) -> Source | None:
    if not isinstance(entry, dict):
        errors.append(f"At '{where}': must be a table")
        return None
    fields = set(Source.__dataclass_fields__)
    _reject_unknown(entry, fields, where, errors)
    name = _typed(entry, "name", str, where, errors)
    if not name:
        errors.append(f"At '{where}.name': required (a short word such as 'zdf')")
        return None
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        errors.append(f"At '{where}.name': {name!r} must be lowercase letters, digits, - or _")
    source = Source(name=name)
    for key in ("feeds", "sitemaps", "sections", "live_blogs", "allowed_domains", "relevance"):
        if key == "relevance" and entry.get(key) == "rules":
            source.relevance = "rules"
            continue
        values = _typed(entry, key, list, where, errors) or []
        for j, value in enumerate(values):
            if not isinstance(value, str):
                errors.append(f"At '{where}.{key}[{j}]': must be a string")
            elif key in ("feeds", "sitemaps", "sections", "live_blogs") and not _is_http(value):
                errors.append(f"At '{where}.{key}[{j}]': {value!r} is not an http(s) URL")
        setattr(source, key, [v for v in values if isinstance(v, str)])
    spider = _typed(entry, "spider", str, where, errors)
    if spider is not None:
        if spider not in SPIDERS:
            errors.append(
                f"At '{where}.spider': unknown spider {spider!r} (known: {', '.join(SPIDERS)})"
            )
        source.spider = spider
    pattern = _typed(entry, "link_pattern", str, where, errors)
    if pattern:
        try:
            re.compile(pattern)
            source.link_pattern = pattern
        except re.error as exc:
            errors.append(f"At '{where}.link_pattern': not a valid regular expression: {exc}")
    if "interval" in entry:
        source.interval = _duration(entry["interval"], f"{where}.interval", errors) or 600
    enabled = _typed(entry, "enabled", bool, where, errors)
    source.enabled = True if enabled is None else enabled
    listings = source.feeds + source.sitemaps + source.sections + source.live_blogs
    if not listings:
        errors.append(
            f"At '{where}': source {name!r} needs at least one of feeds, sitemaps, sections, "
            "live_blogs"
        )
    if not source.allowed_domains:
        source.allowed_domains = sorted({urlsplit(u).hostname or "" for u in listings} - {""})
    return source


_CLOCK = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _parse_notify(table: dict, config: Config, errors: list[str]) -> None:
    known = {
        "apprise_config",
        "admin_tag",
        "max_attempts",
        "backoff",
        "daily_digest_at",
        "quiet_hours",
        "datasette_url",
    }
    _reject_unknown(table, known, "notify", errors)
    notify = config.notify
    path = _typed(table, "apprise_config", str, "notify", errors)
    if path:
        notify.apprise_config = Path(path)
        if notify.apprise_config.is_dir():
            errors.append(
                f"At 'notify.apprise_config': {path!r} is a directory; name the apprise YAML "
                "file in it (see config/apprise.example.yml)"
            )
        elif not notify.apprise_config.is_file():
            errors.append(
                f"At 'notify.apprise_config': no such file {path!r} "
                "(copy config/apprise.example.yml)"
            )
    notify.admin_tag = _typed(table, "admin_tag", str, "notify", errors) or notify.admin_tag
    attempts = _typed(table, "max_attempts", int, "notify", errors)
    if attempts is not None:
        if attempts < 1:
            errors.append("At 'notify.max_attempts': must be at least 1")
        notify.max_attempts = max(attempts, 1)
    if "backoff" in table:
        notify.backoff = _duration(table["backoff"], "notify.backoff", errors) or notify.backoff
    at = _typed(table, "daily_digest_at", str, "notify", errors)
    if at is not None:
        if _CLOCK.match(at):
            notify.daily_digest_at = at
        else:
            errors.append(f"At 'notify.daily_digest_at': {at!r} is not a time like \"07:00\"")
    url = _typed(table, "datasette_url", str, "notify", errors)
    if url:
        if _is_http(url) and not urlsplit(url).query and not urlsplit(url).fragment:
            notify.datasette_url = url.rstrip("/")
        else:
            errors.append(
                f"At 'notify.datasette_url': {url!r} is not an http(s) base URL "
                '(like "http://127.0.0.1:8001")'
            )
    quiet = _typed(table, "quiet_hours", dict, "notify", errors) or {}
    for tag, window in quiet.items():
        parts = window.split("-") if isinstance(window, str) else []
        if len(parts) != 2 or not all(_CLOCK.match(p.strip()) for p in parts):
            errors.append(f"At 'notify.quiet_hours.{tag}': {window!r} is not like \"22:00-07:00\"")
            continue
        notify.quiet_hours[tag] = (parts[0].strip(), parts[1].strip())


def _parse_health(table: dict, config: Config, errors: list[str]) -> None:
    known = {"failures_in_a_row", "silent_factor", "silent_min", "short_ratio"}
    _reject_unknown(table, known, "health", errors)
    health = config.health
    failures = _typed(table, "failures_in_a_row", int, "health", errors)
    if failures is not None:
        health.failures_in_a_row = max(failures, 1)
    for key in ("silent_factor", "short_ratio"):
        value = _typed(table, key, float, "health", errors)
        if value is not None:
            setattr(health, key, value)
    if "silent_min" in table:
        health.silent_min = _duration(table["silent_min"], "health.silent_min", errors) or 0


def _parse_retention(table: dict, config: Config, errors: list[str]) -> None:
    _reject_unknown(table, {"raw_max_age", "raw_keep"}, "retention", errors)
    if "raw_max_age" in table:
        age = _duration(table["raw_max_age"], "retention.raw_max_age", errors)
        config.retention.raw_max_age = age or config.retention.raw_max_age
    keep = _typed(table, "raw_keep", int, "retention", errors)
    if keep is not None:
        if keep < 1:
            errors.append("At 'retention.raw_keep': keep at least 1 raw page per article")
        config.retention.raw_keep = max(keep, 1)


def _duration(value: Any, where: str, errors: list[str]) -> int | None:
    seconds = parse_duration(value)
    if seconds is None:
        errors.append(
            f'At \'{where}\': {value!r} is not a duration (write 90, "90s", "10m" or "1h")'
        )
    return seconds


def _is_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _table(raw: dict, key: str, errors: list[str]) -> dict:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        errors.append(f"At '{key}': must be a table ([{key}])")
        return {}
    return value


def _typed(table: dict, key: str, kind: type, where: str, errors: list[str]) -> Any:
    if key not in table:
        return None
    value = table[key]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        errors.append(
            f"At '{where}.{key}': expected {kind.__name__}, got {type(value).__name__} {value!r}"
        )
        return None
    return value


def _reject_unknown(table: dict, known: set[str], where: str, errors: list[str]) -> None:
    for key in table.keys() - known:
        path = f"{where}.{key}" if where else key
        errors.append(f"At '{path}': unknown key (known: {', '.join(sorted(known))})")


# "At 'sources[0].feds': unknown key (known: …)": the key, then the list of known ones.
_UNKNOWN = re.compile(
    r"^(At '(?:[^']*\.)?([^'.\[]+)(?:\[\d+\])*': unknown key) (\(known: ([^)]*)\))"
)


def _suggest(error: str) -> str:
    """An unknown-key error with the closest known key, when one is close: a typo is the
    likeliest cause. Done here, on the text, so every table's check gets it (rules and
    revisit parse their own tables)."""
    found = _UNKNOWN.match(error)
    if not found:
        return error
    close = difflib.get_close_matches(found.group(2), found.group(4).split(", "), n=1, cutoff=0.6)
    if not close:
        return error
    return f"{found.group(1)}; did you mean {close[0]!r}? {found.group(3)}" + error[found.end() :]


# Any URL in a message: notification URLs (mailto://user:pass@…, slack://T…/B…/token) carry
# secrets, and one pasted into the wrong key must not be echoed by the error about it.
_URL_IN_TEXT = re.compile(r"\b([a-z][a-z0-9+.-]*)://[^\s'\"]*", re.IGNORECASE)
_PASSWORD = re.compile(r"(//[^/@\s:]*):[^/@\s]*@")
_QUERY_VALUE = re.compile(r"([?&][^=&#\s]*=)[^&#\s]*")


def secret_free(text: str) -> str:
    """`text` with every URL that could hold a secret cut back: a non-web URL to its scheme,
    a web URL's password and query values masked. Its host and path stay, to find the typo."""

    def masked(found: re.Match[str]) -> str:
        if found.group(1).lower() not in ("http", "https"):
            return f"{found.group(1)}://…"
        return _QUERY_VALUE.sub(r"\1****", _PASSWORD.sub(r"\1:****@", found.group(0)))

    return _URL_IN_TEXT.sub(masked, text)


def _expand_env(value: Any) -> Any:
    """${VAR} and ${VAR:-default} in strings: paths and addresses may come from the environment."""
    if isinstance(value, str):
        return _ENV.sub(lambda m: os.environ.get(m.group(1), m.group(2) or ""), value)
    if isinstance(value, list):
        return [_expand_env(v) for v in value]
    if isinstance(value, dict):
        return {k: _expand_env(v) for k, v in value.items()}
    return value
