"""Notification targets: where alerts go, read from the apprise file or the environment.

Targets: an apprise YAML file (`[notify] apprise_config`), else NEWSMON_APPRISE_URLS
("newsroom=mailto://… admin,ops=json://…", space or comma separated). With neither,
there is no target and the dispatcher prints to stdout (`CONSOLE`). A target takes
an alert whose tag is one of its tags, or every alert when it has the tag "always"
or no tag.

Secrets: URLs live only in the file or the environment. A target is known by
sha256(apprise's URL for it)[:12] and its service name; errors name a URL by its
scheme and its entry's line or number, never in full. apprise's and urllib3's
loggers get a filter that masks every URL and the secret parts (password, tokens,
webhook path) of each loaded URL, at every level.

A module of its own because loading a target and hiding its secrets go together and
stand apart from sending: the crawler and `newsmon notify test` load targets before
anything is dispatched, and every URL is taught to the log filter as it is read.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import yaml
from apprise import Apprise, AppriseAsset, NotifyFormat
from apprise.config.base import ConfigBase
from apprise.plugins.email import NotifyEmail
from apprise.plugins.slack import NotifySlack

from monitor.errors import NotifyError

ENV_VAR = "NEWSMON_APPRISE_URLS"
ASSET = AppriseAsset(app_id="newsmon", app_desc="newsmon alerts")
# Loggers that print request URLs (apprise at DEBUG, urllib3's request lines).
GUARDED_LOGGERS = ("apprise", "urllib3.connectionpool", "urllib3.util.retry")
_ANY_URL = re.compile(r"\b([a-z][a-z0-9+.-]*)://\S+", re.IGNORECASE)


class _Scrubber(logging.Filter):
    """Masks URLs and the secret parts of known target URLs in log records and errors."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def add(self, url: str) -> None:
        self.secrets |= _secret_parts(url)

    def secret_free(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, "****")
        return text

    def scrub(self, text: str) -> str:
        return self.secret_free(_ANY_URL.sub(r"\1://…", text))

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed record: its bare template is all we have
            message = str(record.msg)
        record.msg, record.args = self.scrub(message), ()
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text, record.exc_info = self.scrub(formatted), None
        return True


def _secret_parts(url: str) -> set[str]:
    """The parts of a URL that may be secret: password, tokens, webhook paths."""
    found: set[str] = set()
    try:
        parts = urlsplit(url)
    except ValueError:
        return found
    userinfo, _, host = parts.netloc.rpartition("@")
    password = userinfo.partition(":")[2]
    pieces = [host.split(":")[0], *parts.path.split("/"), *(v for _, v in parse_qsl(parts.query))]
    for piece in [password] if len(password) >= 3 else []:
        found |= {piece, unquote(piece)}
    for piece in pieces:
        # Host names and addresses have dots; tokens are long, or have digits or capitals.
        if "." not in piece and (len(piece) >= 16 or (len(piece) >= 6 and _tokenish(piece))):
            found |= {piece, unquote(piece)}
    return found


def _tokenish(text: str) -> bool:
    return any(c.isdigit() or c.isupper() for c in text)


SCRUBBER = _Scrubber()
for _name in GUARDED_LOGGERS:
    logging.getLogger(_name).addFilter(SCRUBBER)


@dataclass
class Target:
    """One notification URL: known by id and service, never by its URL."""

    id: str
    service: str
    tags: set[str]
    plugin: Any  # the apprise plugin instance for this one URL; None for the console
    brief: bool = False  # console only: one line per message (the demo)

    def takes(self, tag: str) -> bool:
        return not self.tags or tag in self.tags or "always" in self.tags

    @property
    def format(self) -> str:
        """The messages.render format this target reads."""
        if self.plugin is None:
            return "text"
        wanted = self.plugin.resolve_format(None)  # the plugin's own, or the URL's ?format=
        if wanted == NotifyFormat.MARKDOWN:
            return "slack" if isinstance(self.plugin, NotifySlack) else "markdown"
        if wanted == NotifyFormat.HTML:
            return "email" if isinstance(self.plugin, NotifyEmail) else "html"
        return "text"

    def describe(self) -> str:
        if self.plugin is None:
            return "console (stdout)"
        return SCRUBBER.secret_free(self.plugin.url(privacy=True))


CONSOLE = Target("console", "console", set(), None)
BRIEF_CONSOLE = Target("console", "console", set(), None, brief=True)


def _target(plugin: Any) -> Target:
    digest = hashlib.sha256(plugin.url().encode("utf-8")).hexdigest()[:12]
    if isinstance(plugin, NotifySlack):
        # Slack's legacy payload re-parses an undeclared body and turns "&lt;!channel&gt;"
        # back into a mention; a Block Kit section takes our escaped mrkdwn as written.
        plugin.use_blocks = True
    return Target(digest, plugin.service_name, {str(t) for t in plugin.tags}, plugin)


def load_targets(apprise_config: Path | None, env: Mapping[str, str]) -> list[Target]:
    """The targets of the apprise file, else of NEWSMON_APPRISE_URLS; [] means the console."""
    if apprise_config is not None:
        plugins = _from_file(Path(apprise_config))
    elif raw := env.get(ENV_VAR, "").strip():
        plugins = _from_env(raw)
    else:
        return []
    targets: dict[str, Target] = {}
    for plugin in plugins:
        target = _target(plugin)
        if target.id in targets:  # the same URL listed twice: one target with both tags
            targets[target.id].tags |= target.tags
        else:
            targets[target.id] = target
    return list(targets.values())


def _from_file(path: Path) -> list[Any]:
    try:
        text = path.read_text(encoding="utf-8")
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except OSError as exc:
        raise NotifyError(
            f"{path}: cannot read it ({exc.strerror}); check [notify] apprise_config"
        ) from None
    except UnicodeDecodeError:
        raise NotifyError(f"{path}: not UTF-8 text; save the apprise config as UTF-8") from None
    except yaml.YAMLError as exc:
        # Only the problem and its line: PyYAML's full message quotes the line, URL and all.
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        problem = getattr(exc, "problem", None) or "syntax error"
        raise NotifyError(f"{where}: not valid YAML ({problem})") from None
    urls = _urls_node(path, root)
    shared = {k: v for k, v in data.items() if k != "urls"}
    plugins = []
    for number, (node, entry) in enumerate(zip(urls.value, data["urls"], strict=True), 1):
        written = _register(entry)
        # One entry at a time, so a bad one is reported with its line.
        found, _ = ConfigBase.config_parse_yaml(
            yaml.safe_dump({**shared, "urls": [entry]}), asset=ASSET
        )
        if not found:
            scheme = _scheme(written[0] if written else "")
            raise NotifyError(
                f"{path}:{node.start_mark.line + 1}: apprise cannot use URL #{number} ({scheme}); "
                f"`apprise --dry-run -vv --config {path}` shows why"
            )
        plugins += found
    return plugins


def _register(entry: Any) -> list[str]:
    """Teach the scrubber one YAML entry's secrets; the URLs written in it."""
    keys = entry if isinstance(entry, dict) else []
    urls = [entry] if isinstance(entry, str) else [k for k in keys if isinstance(k, str)]
    for url in urls:
        SCRUBBER.add(url)
    for value in entry.values() if isinstance(entry, dict) else []:
        for options in value if isinstance(value, list) else [value]:
            for key, option in options.items() if isinstance(options, dict) else []:
                # Options under a URL (`pass: …`, `token: …`) can hold secrets as well.
                if isinstance(option, str) and re.search("pass|token|secret|key", str(key), re.I):
                    SCRUBBER.secrets |= {option} if len(option) >= 3 else set()
    return urls


def _urls_node(path: Path, root: Any) -> yaml.SequenceNode:
    keys = {k.value: (k, v) for k, v in getattr(root, "value", []) if isinstance(k, yaml.Node)}
    if not isinstance(root, yaml.MappingNode) or "urls" not in keys:
        raise NotifyError(f"{path}:1: expected apprise's YAML format: `version: 1` and `urls:`")
    if "include" in keys:
        line = keys["include"][0].start_mark.line + 1
        raise NotifyError(f"{path}:{line}: `include` is not supported; list the URLs here")
    key, urls = keys["urls"]
    if not isinstance(urls, yaml.SequenceNode):
        raise NotifyError(f"{path}:{key.start_mark.line + 1}: `urls:` must be a list")
    return urls


def _scheme(url: str) -> str:
    match = re.match(r"\s*([a-z][a-z0-9+.-]*)://", url, re.IGNORECASE)
    return f"{match.group(1)}://…" if match else "not a URL"


_ENTRY = re.compile(r"(?:^|(?<=,))(?:([\w-]+(?:,[\w-]+)*)=)?[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def _from_env(raw: str) -> list[Any]:
    plugins = []
    number = 0
    for token in raw.split():
        starts = list(_ENTRY.finditer(token))
        if not starts or starts[0].start() != 0:
            raise NotifyError(f"{ENV_VAR}: entry {number + 1} is not [tag=]scheme://…")
        ends = [m.start() for m in starts[1:]] + [len(token)]
        for match, end in zip(starts, ends, strict=True):
            number += 1
            url = token[match.end(1) + 1 if match.group(1) else match.start() : end].rstrip(",")
            SCRUBBER.add(url)
            tags = match.group(1).split(",") if match.group(1) else None
            plugin = Apprise.instantiate(url, asset=ASSET, tag=tags)
            if plugin is None:
                raise NotifyError(
                    f"{ENV_VAR}: apprise cannot use entry {number} ({_scheme(url)}); "
                    "`apprise --dry-run -vv URL` shows why"
                )
            plugins.append(plugin)
    return plugins
