"""A page's signature: the page as extraction reads it, without what changes on every request.

Some outlets (ZDF among them) send different bytes for every request of an unchanged
article: a new script nonce, a "vor 5 Minuten" under the date, fresh framework state in
an inline script. The raw hash never repeats, so only a full extraction could tell that
nothing changed, on every re-check. The signature hashes the decoded page with exactly
those parts taken out that extraction never reads or always drops as noise:

- scripts other than JSON-LD, and style sheets (`monitor.extract.prune` removes both unread);
- `nonce` attributes (nothing reads them);
- a relative time standing alone between two tags ("vor 5 Minuten", "2 hours ago"),
  which the design counts as noise;
- typography: quotes, dashes, ellipses and odd spaces count as `normalize` folds them, as
  the fingerprint does (a page that only swaps " for „ is not a new text).

Any other difference, one letter of text, an attribute, a tag, gives a new signature, and the
page is extracted as before. Equal signatures (with the same URL and declared encoding) mean
the pages differ in nothing extraction would keep, so the store treats the page as checked
and unchanged. The patterns are case-sensitive on purpose: what they miss is hashed, which
costs speed, never a change.
"""

from __future__ import annotations

import hashlib
import re

from monitor.extract.decode import decode_html
from monitor.text import fold_typography

# An element's start and end tags; the name must end there (`<scripts>` is another element).
_OPEN = {tag: re.compile(rf"<{tag}(?=[\s/>])([^>]*)>") for tag in ("script", "style")}
_CLOSE = {tag: re.compile(rf"</{tag}(?=[\s/>])") for tag in ("script", "style")}
_NONCE = re.compile(r"""nonce\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*)""")
# The relative times of `monitor.extract.noise`, as the whole text between two tags.
_RELATIVE_TIME = re.compile(
    r">\s*(?:[Aa]ktualisiert |[Uu]pdated )?(?:[Vv]or (?:einer|einem|\d+) (?:Sekunden?|Minuten?"
    r"|Stunden?|Tag(?:en)?)|(?:an? |\d+ )(?:seconds?|minutes?|mins?|hours?|hrs?|days?) ago)\s*<"
)


def signature(body: bytes, url: str, encoding: str | None) -> str:
    """sha256 (hex) of the page as extraction sees it, volatile parts removed."""
    text = decode_html(body, encoding)
    text = _without(text, "script", keep="ld+json")  # JSON-LD is metadata extraction reads
    text = _without(text, "style")
    text = _NONCE.sub("", text)
    text = _RELATIVE_TIME.sub("><", text)
    text = fold_typography(text)
    digest = hashlib.sha256(f"{url}\n{encoding or ''}\n".encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _without(text: str, tag: str, keep: str | None = None) -> str:
    """`text` with the content of every `<tag>` element emptied, unless its start tag has `keep`.

    The content runs to the first end tag, as an HTML parser reads a script or a style.
    """
    parts, pos = [], 0
    while (start := _OPEN[tag].search(text, pos)) is not None:
        end = _CLOSE[tag].search(text, start.end())
        if end is None:
            break
        parts.append(text[pos : start.start()])
        kept = keep is not None and keep in start.group(1)
        parts.append(text[start.start() : end.start()] if kept else f"<{tag}>")
        pos = end.start()
    parts.append(text[pos:])
    return "".join(parts)
