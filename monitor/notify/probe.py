"""`newsmon notify test`: a real test message to each target, and what to check when one fails.

A module of its own: the dispatcher sends the outbox; this sends one made-up alert, outside
the outbox, and turns apprise's complaint into advice a person can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monitor.clock import now
from monitor.diff.core import Diff, Op, word_diff
from monitor.notify.dispatch import DispatchSettings, _Cut, _send_within
from monitor.notify.messages import AlertContent, render
from monitor.notify.targets import CONSOLE, Target

# apprise's complaint (lower case) -> what to check. First match wins; the order matters
# ("connection error … timed out" is a timeout, not a refusal).
_ADVICE = (
    (
        r"timed? ?out|no answer within",
        "it did not answer in time; check its host and that it is up",
    ),
    (r"ssl|certificate|tls", "the TLS handshake failed; check the scheme (json or jsons, …)"),
    (
        r"connection|refused|resolve|unreachable",
        "nothing answers there; check that the service runs and its host and port",
    ),
    (
        r"\b40[13]\b|unauthori|forbidden|auth|login|password|credential",
        "it refused the credentials; check the token or password",
    ),
    (r"\b404\b|not found", "it does not know that address; check the URL's path or webhook id"),
    (r"\b5\d\d\b|server error", "the service failed on its side; try again later"),
)


@dataclass
class Probe:
    """One target's answer to the test message."""

    target: Target
    ok: bool
    error: str = ""

    @property
    def tags(self) -> str:
        """The tags whose alerts this target takes, as a person reads them."""
        tags = sorted(self.target.tags - {"always"})
        if not tags or "always" in self.target.tags:
            return "every tag"
        return "tag " + ", ".join(tags)


def advice(error: str) -> str:
    """What to check for a failed send, from apprise's (masked) complaint."""
    text = error.lower()
    for pattern, hint in _ADVICE:
        if re.search(pattern, text):
            return hint
    return "check its URL (`apprise -vv --dry-run URL` reads it without sending)"


def send_test(targets: list[Target], tag: str | None) -> list[tuple[str, str, bool, str]]:
    """A real test message to each target (of `tag`): (target id, service, ok, error)."""
    return [(p.target.id, p.target.service, p.ok, p.error) for p in probe(targets, tag)]


def probe(targets: list[Target], tag: str | None) -> list[Probe]:
    """A real test message to each target (of `tag`; none configured: the console)."""
    old, new = "newsmon sends a test", "newsmon sends a test message"
    diff = Diff(["headline"], [Op("headline", "edited", None, None, old, new, word_diff(old, new))])
    sample = AlertContent("newsmon", ["headline"], new, "", diff, ["test"], "notify test", now())
    results = []
    for target in [t for t in targets or [CONSOLE] if tag is None or t.takes(tag)]:
        error = _send_within(target, *render([sample], target.format), DispatchSettings())
        error = f"not sent: {error.why}" if isinstance(error, _Cut) else error
        results.append(Probe(target, error is None, error or ""))
    return results
