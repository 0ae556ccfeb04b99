"""Configuration: `config/monitor.toml`, validated at load into typed objects.

Every problem is collected, not just the first, and each names the file and
the key, naming an entry by its name (`At 'sources.zdf.feeds[0]': ...`; by its index,
`sources[2]`, when it has no usable name), so one run of `newsmon config check` shows
everything to fix. How one value or table is checked is
`monitor.config_check`; rules, stories and the revisit policy check their own tables
(stories name themselves: `At 'stories.ukraine-talks.terms[2]': ...`).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from monitor.config_check import (
    NAME,
    duration,
    expand_env,
    is_http,
    place,
    reject_unknown,
    secret_free,
    suggest,
    table_at,
    typed,
)
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
    stories: list[Any] = field(default_factory=list)  # monitor.stories.story.Story
    notify: NotifySettings = field(default_factory=NotifySettings)
    health: HealthSettings = field(default_factory=HealthSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    revisit: Any = None  # monitor.revisit.RevisitSettings
    cluster: Any = None  # monitor.cluster.settings.ClusterSettings; None: one machine

    def source(self, name: str) -> Source:
        for source in self.sources:
            if source.name == name:
                return source
        known = ", ".join(s.name for s in self.sources) or "none"
        raise ConfigError(f"{self.path}: no source named {name!r} (known: {known})")


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
    # The revisit policy and the cluster table are pure and know nothing of this module.
    from monitor.cluster.settings import parse_cluster
    from monitor.revisit import parse_revisit

    errors: list[str] = []
    raw = expand_env(raw)
    tables = {"newsmon", "crawl", "sources", "rules", "stories", "notify", "health", "retention"}
    tables.update(("revisit", "cluster"))
    reject_unknown(raw, tables, "", errors)
    config = Config(path=path)

    general = table_at(raw, "newsmon", errors)
    reject_unknown(general, {"database"}, "newsmon", errors)
    if "database" in general:
        config.database = Path(typed(general, "database", str, "newsmon", errors) or "")

    crawl = table_at(raw, "crawl", errors)
    known = set(CrawlSettings.__dataclass_fields__)
    reject_unknown(crawl, known, "crawl", errors)
    for key in known & crawl.keys():
        default = getattr(config.crawl, key)
        kind = float if isinstance(default, float) else type(default)
        value = typed(crawl, key, kind, "crawl", errors)
        if value is not None:
            setattr(config.crawl, key, value)

    sources = raw.get("sources", [])
    if not isinstance(sources, list):
        errors.append("At 'sources': must be an array of tables ([[sources]])")
        sources = []
    seen: set[str] = set()
    for i, entry in enumerate(sources):
        source = _parse_source(entry, place("sources", i, entry, seen), errors)
        if source is None:
            continue
        if source.name in seen:  # by index: the name alone would not say which one
            errors.append(f"At 'sources[{i}].name': duplicate source name {source.name!r}")
        seen.add(source.name)
        config.sources.append(source)

    _parse_alerting(raw, config, errors)
    _parse_notify(table_at(raw, "notify", errors), config, errors)
    _parse_health(table_at(raw, "health", errors), config, errors)
    _parse_retention(table_at(raw, "retention", errors), config, errors)
    config.revisit = parse_revisit(raw.get("revisit", {}), errors, "revisit")
    config.cluster = parse_cluster(table_at(raw, "cluster", errors), errors)

    if errors:
        listing = "\n".join(f"  {secret_free(suggest(e))}" for e in errors)
        raise ConfigError(f"{path}: {len(errors)} problem(s):\n{listing}")
    return config


def _parse_alerting(raw: dict, config: Config, errors: list[str]) -> None:
    """[[rules]] and [[stories]]: each parses its own tables; here, the sources they name."""
    # Pure, and knowing nothing of this module.
    from monitor.rules.rules import parse_rules
    from monitor.stories.story import parse_stories

    config.rules = parse_rules(raw.get("rules", []), errors, "rules")
    config.stories = parse_stories(raw.get("stories", []), errors, "stories")
    known_sources = {s.name for s in config.sources}
    for entry in [*config.rules, *config.stories]:
        origin = entry.origin  # "rules.witkoff" or "stories.ukraine-talks", set by their parser
        for name in sorted(set(entry.sources) - known_sources):
            known = ", ".join(sorted(known_sources)) or "none"
            errors.append(f"At '{origin}.sources': no source named {name!r} (known: {known})")
        # One that fails at run time (a regex out of time) is reported with its place.
        entry.origin = f"{config.path}: {origin}"


def _parse_source(entry: Any, where: str, errors: list[str]) -> Source | None:
    if not isinstance(entry, dict):
        errors.append(f"At '{where}': must be a table")
        return None
    fields = set(Source.__dataclass_fields__)
    reject_unknown(entry, fields, where, errors)
    name = typed(entry, "name", str, where, errors)
    if not name:
        errors.append(f"At '{where}.name': required (a short word such as 'zdf')")
        return None
    if not NAME.fullmatch(name):
        errors.append(f"At '{where}.name': {name!r} must be lowercase letters, digits, - or _")
    source = Source(name=name)
    for key in ("feeds", "sitemaps", "sections", "live_blogs", "allowed_domains", "relevance"):
        if key == "relevance" and entry.get(key) == "rules":
            source.relevance = "rules"
            continue
        values = typed(entry, key, list, where, errors) or []
        for j, value in enumerate(values):
            if not isinstance(value, str):
                errors.append(f"At '{where}.{key}[{j}]': must be a string")
            elif key in ("feeds", "sitemaps", "sections", "live_blogs") and not is_http(value):
                errors.append(f"At '{where}.{key}[{j}]': {value!r} is not an http(s) URL")
        setattr(source, key, [v for v in values if isinstance(v, str)])
    spider = typed(entry, "spider", str, where, errors)
    if spider is not None:
        if spider not in SPIDERS:
            errors.append(
                f"At '{where}.spider': unknown spider {spider!r} (known: {', '.join(SPIDERS)})"
            )
        source.spider = spider
    pattern = typed(entry, "link_pattern", str, where, errors)
    if pattern:
        try:
            re.compile(pattern)
            source.link_pattern = pattern
        except re.error as exc:
            errors.append(f"At '{where}.link_pattern': not a valid regular expression: {exc}")
    if "interval" in entry:
        source.interval = duration(entry["interval"], f"{where}.interval", errors) or 600
    enabled = typed(entry, "enabled", bool, where, errors)
    source.enabled = True if enabled is None else enabled
    listings = source.feeds + source.sitemaps + source.sections + source.live_blogs
    if not listings:
        errors.append(f"At '{where}': needs at least one of feeds, sitemaps, sections, live_blogs")
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
    reject_unknown(table, known, "notify", errors)
    notify = config.notify
    path = typed(table, "apprise_config", str, "notify", errors)
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
    notify.admin_tag = typed(table, "admin_tag", str, "notify", errors) or notify.admin_tag
    attempts = typed(table, "max_attempts", int, "notify", errors)
    if attempts is not None:
        if attempts < 1:
            errors.append("At 'notify.max_attempts': must be at least 1")
        notify.max_attempts = max(attempts, 1)
    if "backoff" in table:
        notify.backoff = duration(table["backoff"], "notify.backoff", errors) or notify.backoff
    at = typed(table, "daily_digest_at", str, "notify", errors)
    if at is not None:
        if _CLOCK.match(at):
            notify.daily_digest_at = at
        else:
            errors.append(f"At 'notify.daily_digest_at': {at!r} is not a time like \"07:00\"")
    url = typed(table, "datasette_url", str, "notify", errors)
    if url:
        if is_http(url) and not urlsplit(url).query and not urlsplit(url).fragment:
            notify.datasette_url = url.rstrip("/")
        else:
            errors.append(
                f"At 'notify.datasette_url': {url!r} is not an http(s) base URL "
                '(like "http://127.0.0.1:8001")'
            )
    quiet = typed(table, "quiet_hours", dict, "notify", errors) or {}
    for tag, window in quiet.items():
        parts = window.split("-") if isinstance(window, str) else []
        if len(parts) != 2 or not all(_CLOCK.match(p.strip()) for p in parts):
            errors.append(f"At 'notify.quiet_hours.{tag}': {window!r} is not like \"22:00-07:00\"")
            continue
        notify.quiet_hours[tag] = (parts[0].strip(), parts[1].strip())


def _parse_health(table: dict, config: Config, errors: list[str]) -> None:
    known = {"failures_in_a_row", "silent_factor", "silent_min", "short_ratio"}
    reject_unknown(table, known, "health", errors)
    health = config.health
    failures = typed(table, "failures_in_a_row", int, "health", errors)
    if failures is not None:
        health.failures_in_a_row = max(failures, 1)
    for key in ("silent_factor", "short_ratio"):
        value = typed(table, key, float, "health", errors)
        if value is not None:
            setattr(health, key, value)
    if "silent_min" in table:
        health.silent_min = duration(table["silent_min"], "health.silent_min", errors) or 0


def _parse_retention(table: dict, config: Config, errors: list[str]) -> None:
    reject_unknown(table, {"raw_max_age", "raw_keep"}, "retention", errors)
    if "raw_max_age" in table:
        age = duration(table["raw_max_age"], "retention.raw_max_age", errors)
        config.retention.raw_max_age = age or config.retention.raw_max_age
    keep = typed(table, "raw_keep", int, "retention", errors)
    if keep is not None:
        if keep < 1:
            errors.append("At 'retention.raw_keep': keep at least 1 raw page per article")
        config.retention.raw_keep = max(keep, 1)
