"""What the fork server builds once, before it forks the extraction workers, so they share it.

Imported only in the fork server (monitor.crawl.workers names it in the preload list): the
extractor's modules, and the stop words of trafilatura's jusText fallback
(monitor.extract.stopwords), which would otherwise be built by each worker on its first
fallback.
"""

import gc

import monitor.extract.page  # noqa: F401  (the extractor itself, shared the same way)
from monitor.crawl.memory import trim
from monitor.extract.stopwords import every_language

every_language()
# What building them freed goes back to the system, and what stays is frozen: a worker's
# garbage collector would otherwise walk (and so write, and copy) these objects' pages.
gc.collect()
gc.freeze()
trim()
