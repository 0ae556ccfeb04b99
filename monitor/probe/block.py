"""The `[[sources]]` block a probe proposes, in the style of config/monitor.toml, and adding it
to a config file as text at its end, so every comment of the file stays as it was."""

from __future__ import annotations

import ipaddress
import json
import re
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

from monitor.clock import now
from monitor.config import parse_config
from monitor.errors import ConfigError, NewsmonError
from monitor.probe.probe import Proposal

# Second-level labels under which the outlet's name is one label further left (bbc.co.uk).
_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "or", "ne"}


def default_name(url: str) -> str:
    """A short source name from the outlet's host ("www.spiegel.de" -> "spiegel"); for a bare
    address, the first segment of the path."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    labels = host.removeprefix("www.").split(".")
    if _is_address(host) or len(labels) < 2:
        label = next((s for s in parts.path.split("/") if s), "site")
    else:
        label = labels[-2]
        if label in _SECOND_LEVEL and len(labels) > 2:
            label = labels[-3]
    name = re.sub(r"[^a-z0-9_-]+", "-", label.lower()).strip("-_")
    return name or "site"


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return host == "localhost"
    return True


def _toml_list(key: str, values: list[str]) -> str:
    """`key = ["a"]` on one line when short, else one value a line, as the config writes it."""
    items = [json.dumps(v, ensure_ascii=False) for v in values]
    line = f"{key} = [{', '.join(items)}]"
    if len(line) <= 100 or len(items) == 1:
        return line
    return f"{key} = [\n" + "".join(f"    {i},\n" for i in items) + "]"


def render_block(proposal: Proposal, name: str, relevance: bool) -> str:
    """The [[sources]] table for the proposal (no comment line)."""
    lines = ["[[sources]]", f'name = "{name}"']
    for key, values in (
        ("feeds", proposal.usable("feed")),
        ("sitemaps", proposal.usable("news sitemap")),
        ("sections", [proposal.url]),
    ):
        if values:
            lines.append(_toml_list(key, values))
    if proposal.inferred:
        # A literal string: the regex's backslashes stay as they are.
        lines.append(f"link_pattern = '{proposal.inferred.pattern}'")
    lines.append(_toml_list("allowed_domains", proposal.allowed_domains))
    lines.append('interval = "10m"')
    if relevance:
        lines.append('relevance = "rules"')
    return "\n".join(lines) + "\n"


def append_block(path: Path, block: str, name: str) -> None:
    """Add the block at the end of the config file with a comment line; refuse when the file
    already names that source or would not load with the block."""
    text = path.read_text(encoding="utf-8")
    raw = tomllib.loads(text)
    known = [s.get("name") for s in raw.get("sources", []) if isinstance(s, dict)]
    if name in known:
        raise NewsmonError(
            f"{path}: a source named {name!r} exists already (known: {', '.join(map(str, known))});"
            " pick another with --name"
        )
    addition = ("\n" if text and not text.endswith("\n") else "") + (
        f"\n# Added by `newsmon sources add` on {now()[:10]}: check link_pattern and "
        "the feeds, then crawl it once: newsmon crawl " + name + "\n" + block
    )
    try:
        parse_config(tomllib.loads(text + addition), path)
    except (tomllib.TOMLDecodeError, ConfigError) as exc:
        raise NewsmonError(f"{path}: not written, the block would not load: {exc}") from None
    with path.open("a", encoding="utf-8") as handle:
        handle.write(addition)
