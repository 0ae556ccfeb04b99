"""A page's signature: the page as extraction reads it, without what changes on every request.

Some outlets (ZDF among them) send different bytes for every request of an unchanged
article: a new script nonce, a "vor 5 Minuten" under the date, fresh framework state in
an inline script. The raw hash never repeats, so only a full extraction could tell that
nothing changed, on every re-check. The signature hashes the decoded page with exactly
those parts taken out that extraction never reads or always drops as noise:

- scripts other than JSON-LD, and style sheets (`monitor.extract.unread`);
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
from monitor.extract.unread import empty_unread
from monitor.text import fold_typography

_NONCE = re.compile(r"""nonce\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*)""")
# The relative times of `monitor.extract.noise`, as the whole text between two tags.
_RELATIVE_TIME = re.compile(
    r">\s*(?:[Aa]ktualisiert |[Uu]pdated )?(?:[Vv]or (?:einer|einem|\d+) (?:Sekunden?|Minuten?"
    r"|Stunden?|Tag(?:en)?)|(?:an? |\d+ )(?:seconds?|minutes?|mins?|hours?|hrs?|days?) ago)\s*<"
)


def signature(body: bytes, url: str, encoding: str | None) -> str:
    """sha256 (hex) of the page as extraction sees it, volatile parts removed."""
    text = decode_html(empty_unread(body), encoding)  # in the order extraction reads the page
    text = _NONCE.sub("", text)
    text = _RELATIVE_TIME.sub("><", text)
    text = fold_typography(text)
    digest = hashlib.sha256(f"{url}\n{encoding or ''}\n".encode())
    digest.update(text.encode("utf-8", "surrogatepass"))
    return digest.hexdigest()
