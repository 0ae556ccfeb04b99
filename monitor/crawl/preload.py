"""What is built once before the extraction workers are forked, so they share it.

Imported by the process that forks the workers (monitor.crawl.workers), the crawling process
itself or the fork server: the extractor's modules, and the stop words of trafilatura's
jusText fallback (monitor.extract.stopwords), which would otherwise be built by each worker
on its first fallback.
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
