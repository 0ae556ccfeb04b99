"""Notification targets: where alerts go, read from the apprise file or the environment.

Targets: an apprise YAML file (`[notify] apprise_config`), else NEWSMON_APPRISE_URLS
("newsroom=mailto://… admin,ops=json://…", space or comma separated). With neither,
there is no target and the dispatcher prints to stdout (`CONSOLE`). A target takes
an alert whose tag is one of its tags, or every alert when it has the tag "always"
or no tag.

Secrets: URLs live only in the file or the environment. A target is known by
sha256(apprise's URL for it)[:12], its service name and `describe()` (apprise's privacy
rendering, masked); errors name a URL by its scheme and its entry's line or number,
never in full. Which parts are secret is apprise's word (`secret_parts`), not a guess
from their length; `mask(text)` cuts every URL to its scheme and masks those parts of
the loaded targets. apprise's and urllib3's loggers pass every record through it.

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
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import yaml
from apprise import Apprise, AppriseAsset, NotifyFormat
from apprise.config.base import ConfigBase
from apprise.fields import parse_fields, url_fields
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
        self._known: dict[str, frozenset[str]] = {}  # URL (or option) -> its secret parts
        self._secrets: tuple[str, ...] = ()  # all of them, longest first
        self._loaded: set[str] = set()  # the URLs of the load in progress

    @property
    def secrets(self) -> tuple[str, ...]:
        return self._secrets

    def add(self, url: str, plugin: Any = None) -> None:
        """Learn a URL's secret parts; with its plugin, apprise's word replaces the first guess."""
        self.learn(url, secret_parts(url, plugin))

    def learn(self, key: str, parts: set[str]) -> None:
        self._known[key] = frozenset(p for p in parts if p)
        self._loaded.add(key)
        self._update()

    def begin(self) -> None:
        """A new set of targets is being loaded: what it learns is counted apart."""
        self._loaded = set()

    def settle(self) -> None:
        """The load worked: forget the URLs of earlier loads (a failed load forgets nothing)."""
        self._known = {k: v for k, v in self._known.items() if k in self._loaded}
        self._update()

    def _update(self) -> None:
        self._secrets = tuple(sorted(set().union(*self._known.values()), key=len, reverse=True))

    def secret_free(self, text: str) -> str:
        # Plain substrings: a part that also occurs inside an ordinary word is masked there too;
        # a garbled word in an error is cheap, a leaked topic is not.
        for secret in self._secrets:
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


def secret_parts(url: str, plugin: Any = None) -> set[str]:
    """The parts of a target URL that no text may show, as written and as apprise quotes them.

    apprise knows which fields of a URL are private (`url_fields(plugin, privacy=True)`), but
    its privacy rendering shows what addresses a target on its service: an ntfy topic, a
    webhook's path, a header, a chat. Whoever knows an ntfy topic can read and post to it, so
    these count as secret too. The rule is apprise's own for a URL it cannot check
    (`parse_fields(url, privacy=True)`: every text but the schema and values picked from a list
    of choices), less the host, port and user name that apprise shows for the loaded plugin.
    """
    strict = parse_fields(url, privacy=True)
    found = _masked(parse_fields(url), strict)
    if plugin is not None:
        clear, shown = url_fields(plugin), url_fields(plugin, privacy=True)
        private = _masked(clear, shown)
        found |= _masked(parse_fields(plugin.url()), parse_fields(plugin.url(), privacy=True))
        found |= private
        public = {str(shown[k]) for k in ("host", "user") if k in shown and shown[k] == clear[k]}
        found = (found - public) | private
    choices = {v for v in _texts(strict) if v != "****"}
    found |= _written_parts(url) - choices
    return {form for part in found for form in _forms(part)}


def _masked(clear: dict, hidden: dict) -> set[str]:
    """The text values of `clear` whose entry `hidden` masks."""
    return {v for k, value in clear.items() if hidden.get(k) != value for v in _texts(value)}


def _texts(value: Any) -> set[str]:
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple | set):
        return {t for entry in value for t in _texts(entry)}
    return {value} if isinstance(value, str) and value else set()


def _written_parts(url: str) -> set[str]:
    """What a URL holds beyond scheme, host, port and user, even where apprise ignores it."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return set()
    userinfo, _, hostport = parts.netloc.rpartition("@")
    after_host = hostport[hostport.rfind("]") + 1 :]  # past an IPv6 address's brackets
    port = after_host.rpartition(":")[2] if ":" in after_host else ""
    path = parts.path.strip("/")
    found = {userinfo.partition(":")[2], path, *path.split("/"), parts.fragment}
    if port and not port.isdigit():  # no port but a token's second half (tgram://id:secret/…)
        found.add(port)
    found |= {v for _, v in parse_qsl(parts.query)}
    return found - {""}


def _forms(part: str) -> set[str]:
    plain = unquote(part)
    return {part, plain, quote(plain, safe=""), quote(plain)}


class _Demoted(logging.Handler):
    """apprise's own records, passed on at DEBUG. The dispatcher says each failure once, with
    apprise's reason (read from its log capture, a handler of apprise's logger that still sees
    them at their level); without this apprise would say it again at every send."""

    def emit(self, record: logging.LogRecord) -> None:
        root = logging.getLogger()
        if root.isEnabledFor(logging.DEBUG):
            copy = logging.makeLogRecord(record.__dict__)
            copy.levelno, copy.levelname = logging.DEBUG, "DEBUG"
            root.handle(copy)


SCRUBBER = _Scrubber()
for _name in GUARDED_LOGGERS:
    logging.getLogger(_name).addFilter(SCRUBBER)
logging.getLogger("apprise").addHandler(_Demoted())
logging.getLogger("apprise").propagate = False


def mask(text: str) -> str:
    """`text` with every URL cut to its scheme and every known target's secret parts masked:
    what any text about a target (a log line, last_error, CLI output) goes through."""
    return SCRUBBER.scrub(text)


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

    @property
    def schema(self) -> str:
        """The scheme of the target's URL (`json`, `mailtos`, `slack`): its service as written."""
        if self.plugin is None:
            return "console"
        return urlsplit(self.plugin.url(privacy=True)).scheme or self.service

    def describe(self) -> str:
        if self.plugin is None:
            return "console (stdout)"
        # apprise's privacy rendering, less its options and the parts it shows but we hide.
        return SCRUBBER.secret_free(self.plugin.url(privacy=True).partition("?")[0])


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
    SCRUBBER.begin()
    plugins = []
    if apprise_config is not None:
        plugins = _from_file(Path(apprise_config))
    elif raw := env.get(ENV_VAR, "").strip():
        plugins = _from_env(raw)
    # Only the targets in use are masked: an old config's short path parts would garble logs.
    SCRUBBER.settle()
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
        _learn(written, found)
        plugins += found
    return plugins


def _register(entry: Any) -> list[str]:
    """Teach the scrubber one YAML entry's secrets before apprise reads it; its URLs."""
    keys = entry if isinstance(entry, dict) else []
    urls = [entry] if isinstance(entry, str) else [k for k in keys if isinstance(k, str)]
    options: set[str] = set()
    for value in entry.values() if isinstance(entry, dict) else []:
        for settings in value if isinstance(value, list) else [value]:
            for key, option in settings.items() if isinstance(settings, dict) else []:
                # Options under a URL (`pass: …`, `token: …`) can hold secrets as well.
                if isinstance(option, str) and str(key) not in ("tag", "tags"):
                    options.add(option)
    for url in urls:
        SCRUBBER.learn(url, secret_parts(url) | options)
    return urls


def _learn(urls: list[str], plugins: list[Any]) -> None:
    """Replace the first guess at each URL's secrets by what its loaded plugins say."""
    for url in urls:
        SCRUBBER.learn(url, set().union(*(secret_parts(url, p) for p in plugins)))


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
            _learn([url], [plugin])
            plugins.append(plugin)
    return plugins
