"""A sample news site on 127.0.0.1 for tests, the demo and benchmarks.

It serves project-written articles in the page shapes of three outlets (ZDF-like,
tagesschau-like, an English one), their RSS/Atom feeds and a news sitemap, answers
conditional requests with 304, plays a script of edits, and misbehaves on demand.

Owns: the content (`content`, the TOML files beside it), its rendering (`render`, `zdf_page`,
`liveblogs`, `feeds`), the script of events (`actions`, `script`), the answers (`response`,
`routes`, `faults`) and the HTTP server (`server`, `SampleSite`). Layered in that order: a module
imports only those before it.

May import: the standard library and monitor.clock; nothing else of newsmon: it plays the
outside world that newsmon reads.
"""

from monitor.sample_site.script import Step
from monitor.sample_site.server import SampleSite, serve

__all__ = ["SampleSite", "Step", "serve"]
