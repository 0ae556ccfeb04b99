"""Scrapy's own commands on the config's sources: `scrapy list` names them and
`scrapy crawl tagesschau` crawls one, as `newsmon crawl tagesschau` does.

The spider loader (SPIDER_LOADER_CLASS) adds one spider per configured source, a subclass of the
spider kind the source names; a mistake (no source, an unknown name) is one line and exit code 2,
never a traceback. newsmon's own crawls hand each spider its Source and never get here.
"""

from __future__ import annotations

import sys
from typing import Any, NoReturn

from scrapy import Spider
from scrapy.exceptions import UsageError
from scrapy.spiderloader import SpiderLoader

from monitor.config import Config, Source, load_config
from monitor.errors import ConfigError


class UnknownSpider(UsageError, KeyError):
    """A name that is neither a spider nor a source: Scrapy's CLI shows it as a usage error
    (exit code 2), callers that expect the loader's KeyError still get one."""

    def __init__(self, message: str) -> None:
        super().__init__(message, print_help=False)

    def __str__(self) -> str:  # KeyError's would quote the message
        return str(self.args[0])


class SourceSpiderLoader(SpiderLoader):
    """The spiders of spiders/ plus one per source of the config (NEWSMON_CONFIG), read only when
    a name is not a spider of spiders/ or the list is asked for."""

    def __init__(self, settings: Any) -> None:
        super().__init__(settings)
        self.config_path = settings.get("NEWSMON_CONFIG")
        self.kinds = sorted(self._spiders)
        self.sources: list[str] = []
        self.problem = ""  # why the config's sources are missing, when they are
        self._read = False

    def _add_sources(self) -> None:
        if self._read:
            return
        self._read = True
        try:
            config = load_config(self.config_path)
        except ConfigError as exc:
            self.problem = str(exc)
            return
        self.sources = [source.name for source in config.sources]
        for source in config.sources:
            if source.name not in self._spiders:
                self._spiders[source.name] = source_spider(self._spiders[source.spider], source)

    def load(self, spider_name: str) -> type[Spider]:
        if spider_name not in self._spiders:
            self._add_sources()
        if spider_name in self._spiders:
            return self._spiders[spider_name]
        kinds = ", ".join(self.kinds)
        if self.problem:
            raise UnknownSpider(
                f"{spider_name!r} is no spider kind ({kinds}) and the config's sources cannot be "
                f"read: {self.problem}"
            )
        sources = ", ".join(self.sources) or "none"
        raise UnknownSpider(
            f"no spider or source named {spider_name!r} (sources in {self.config_path}: "
            f"{sources}; spider kinds: {kinds})"
        )

    def list(self) -> list[str]:
        self._add_sources()
        if self.problem:
            print(f"scrapy: the config's sources are missing: {self.problem}", file=sys.stderr)
        return super().list()


def source_spider(kind: type[Spider], source: Source) -> type[Spider]:
    """A spider named after the source, of the kind it names; its crawl reads that source."""
    attributes = {"name": source.name, "__module__": __name__, "__doc__": kind.__doc__}
    return type(f"{kind.__name__}_{source.name}", (kind,), attributes)


def source_named(config: Config, name: str | None, spider_name: str) -> Source:
    """The source `scrapy crawl` means: `-a source=NAME`, else the spider's own name."""
    if name is None and spider_name not in (s.name for s in config.sources):
        fail(
            f"scrapy crawl {spider_name} needs a source: scrapy crawl {spider_name} -a source=NAME"
            f" or scrapy crawl NAME (sources in {config.path}: "
            f"{', '.join(s.name for s in config.sources) or 'none'})"
        )
    try:
        return config.source(name or spider_name)
    except ConfigError as exc:
        fail(str(exc))


def config_at(path: str) -> Config:
    """The config Scrapy's own commands read (NEWSMON_CONFIG); one line when it cannot be read."""
    try:
        return load_config(path)
    except ConfigError as exc:
        fail(str(exc))


def fail(message: str) -> NoReturn:
    """One line and exit code 2: raised while Scrapy creates the spider, where an exception would
    end in asyncio's "Task exception was never retrieved" traceback."""
    print(f"scrapy: error: {message}", file=sys.stderr, flush=True)
    raise SystemExit(2)
