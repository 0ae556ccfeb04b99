"""How alert messages are written in each of the five formats, and made safe in all of them.

Formats, one per kind of target:

- "text": `[-removed-] {+added+}` (the markers of `Diff.readable`), the link on its own line.
- "markdown": CommonMark, `~~removed~~` and `**added**`, `[headline](url)`.
- "html": `<del>` and `<ins>`, the headline as a link.
- "email": the "html" message plus `[-`/`-]` and `{+`/`+}` hidden from HTML readers
  (`display:none`). apprise builds an e-mail's plain-text part from its HTML, where
  `<del>` and `<ins>` vanish; the hidden markers are what the text part shows instead.
  The link is written out too, since the text part drops `href`s.
- "slack": Slack mrkdwn, `~removed~` and `*added*`, `<url|headline>`.

Escaping is the security boundary: everything that came from a page (headline,
lead, diff words, URL) or from the config goes through one `_esc` per format and
arrives as inert text. First, in every format, control characters, bidi
overrides (U+202A–U+202E, U+2066–U+2069, and the LRM/RLM/ALM marks) and invisible
characters that carry no meaning in news text (zero-width space, word joiner, BOM,
Unicode tag characters, which can smuggle unseen text) are removed, whitespace is
folded and long fields and word runs are capped, so a page cannot break lines,
reverse text, hide text or flood a channel. Then per format:

- text: as it is, but `@channel`/`@here`/`@everyone` get a word joiner (below): a
  plain-text target may be a chat that pings on them.
- html/email: `html.escape` (quotes too); links only for http(s) URLs.
- markdown: a backslash before every character CommonMark could read as markup.
- slack: `&`, `<` and `>` become entities, so `<!channel>`, `<@U123>` and
  `<http://evil|click>` stay text. Slack has no escape for `*`, `_`, `~` and
  backtick, so page text gets look-alikes: `∗` (U+2217), `ˍ` (U+02CD), `∼`
  (U+223C), `ˋ` (U+02CB). Chosen over a zero-width space because Slack does not
  document how one interacts with its markup, while a look-alike is certainly not
  markup and reads the same. `@channel`/`@here`/`@everyone` get a word joiner.

The title is plain text in every format: each apprise plugin escapes its own title
field. `heading()` gives it in a format, for services that have no title field.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, replace

from monitor.diff.render import PLAIN

FORMATS = ("text", "markdown", "html", "email", "slack")

# C0/C1 controls (tab and newline survive until whitespace is folded), bidi embeddings,
# overrides and isolates, and the invisible direction marks.
# Zero-width joiner and non-joiner stay: emoji and several scripts need them.
_INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b\u200e\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000e0000-\U000e007f]"
)
_SPACES = re.compile(r"[^\S\n]+")
_BREAKS = re.compile("\r\n?|[\x0b\x0c\x1c-\x1f\x85\u2028\u2029]")


def clean(text: str | None, limit: int | None = None, lines: bool = False) -> str:
    """Page text made safe to show: no controls or bidi tricks, folded whitespace, capped."""
    # Controls that break lines (CR, VT, FF, the file/group/record separators, NEL, U+2028/9)
    # become line breaks first: deleted, they would glue the words either side together.
    text = _BREAKS.sub("\n", unicodedata.normalize("NFC", text or ""))
    text = _INVISIBLE.sub("", text)
    if lines:
        text = "\n".join(s for s in (_SPACES.sub(" ", ln).strip() for ln in text.split("\n")) if s)
    else:
        text = " ".join(text.split())
    return cap(text, limit) if limit else text


def cap(text: str, limit: int) -> str:
    """At most `limit` characters, the last of them "…" when some were cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- escaping, one function per format -------------------------------------------------

_SLACK_LOOKALIKES = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})
_MENTION = re.compile(r"@(?=(?:channel|here|everyone)\b)", re.IGNORECASE)
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-!|~&^])")
_MD_LIST = re.compile(r"^(\d+)\.", re.MULTILINE)  # "1." opens a list only at the start of a line
_MD_URL = "()<> \\"  # characters that would end or break a Markdown link destination


def _slack_esc(text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MENTION.sub("@\u2060", text.translate(_SLACK_LOOKALIKES))


def _text_esc(text: str) -> str:
    return _MENTION.sub("@\u2060", text)


def _md_esc(text: str) -> str:
    # Chat services that take Markdown (Discord, Mattermost …) ping on a bare @everyone too.
    text = _MD_LIST.sub(r"\1\\.", _MD_SPECIAL.sub(r"\\\1", text))
    return _MENTION.sub("@\u2060", text)


def _html_esc(text: str) -> str:
    return html.escape(text, quote=True)


def safe_url(url: str) -> str:
    """The URL when it is an http(s) link without spaces, else "" (then no link is made)."""
    url = clean(url, 2000)
    return url if re.match(r"https?://[^\s]+$", url, re.IGNORECASE) else ""


def _pct(url: str, chars: str) -> str:
    return "".join(f"%{ord(c):02X}" if c in chars else c for c in url)


_HIDE = '<span style="display:none;mso-hide:all">{}</span>'


def _md_link(url: str, text: str) -> str:
    return f"[{text}]({_pct(url, _MD_URL)})"


def _slack_link(url: str, text: str) -> str:
    return f"<{_pct(url.replace('&', '&amp;'), '<>| ')}|{text}>"


def _html_link(url: str, text: str) -> str:
    return f'<a href="{_html_esc(url)}">{text}</a>'


def _html_block(lines: list[str]) -> str:
    # No newline after <br>: apprise turns it into a space at the start of the text line.
    return "<p>" + "<br>".join(lines) + "</p>"


@dataclass(frozen=True)
class Style:
    """How one format writes page text, removed and added words, bold, links and blocks."""

    esc: Callable[[str], str]
    minus: str
    plus: str
    bold: str = "{}"
    link: Callable[[str, str], str] = lambda url, text: text  # (safe url, escaped text)
    show_url: bool = False  # write the URL out (the text part of a mail has no hrefs)
    block: Callable[[list[str]], str] = "\n".join
    sep: str = "\n\n"
    limit: int = 20000  # whole body; Slack rejects a section over 3,000 characters


_TEXT = Style(_text_esc, PLAIN.minus, PLAIN.plus, show_url=True)  # as Diff.readable marks them
_DEL, _INS = '<del style="color:#a00">{}</del>', '<ins style="color:#070">{}</ins>'
_HTML = Style(_html_esc, _DEL, _INS, "<b>{}</b>", _html_link, block=_html_block, sep="\n")
STYLES = {
    "text": _TEXT,
    "markdown": Style(_md_esc, "~~{}~~", "**{}**", "**{}**", _md_link),
    "html": _HTML,
    "email": replace(
        _HTML,
        minus=_HIDE.format("[-") + _DEL + _HIDE.format("-]"),
        plus=_HIDE.format("{{+") + _INS + _HIDE.format("+}}"),  # braces doubled: a template
        show_url=True,
    ),
    "slack": Style(_slack_esc, "~{}~", "*{}*", "*{}*", _slack_link, limit=2900),
}


def escape(text: str, fmt: str) -> str:
    """Text made inert in a format (cleaned first)."""
    return style_of(fmt).esc(clean(text))


def heading(title: str, fmt: str) -> str:
    """The title as the first line of a body, for services without a title field."""
    style = style_of(fmt)
    return style.block([style.bold.format(style.esc(clean(title)))]) + style.sep


def style_of(fmt: str) -> Style:
    """The style of a format; ValueError for a format that does not exist."""
    if fmt not in STYLES:
        raise ValueError(f"unknown message format {fmt!r}; known: {', '.join(FORMATS)}")
    return STYLES[fmt]
