"""A sample news site on 127.0.0.1 for tests, the demo and benchmarks.

It serves project-written articles in the page shapes of three outlets (ZDF-like,
tagesschau-like, an English one), their RSS/Atom feeds and a news sitemap, answers
conditional requests with 304, plays a scripted timeline of edits, and misbehaves on demand.
"""

from monitor.sample_site.script import Step
from monitor.sample_site.server import SampleSite, serve

__all__ = ["SampleSite", "Step", "serve"]
