"""What is built once before the extraction workers are forked, so they share it.

Imported by the process that forks the workers (monitor.crawl.workers), the crawling process
itself or the fork server: the extractor's modules, and the stop words of trafilatura's
jusText fallback (monitor.extract.stopwords), which would otherwise be built by each worker
on its first fallback.
"""

import gc

# The extractor itself, and what a worker does besides (monitor.crawl.workers.prepare: the diff
# of a changed page, the signature of a page whose bytes change on every request), shared the
# same way: each worker imported the diff (1.2 MB) for itself.
import monitor.diff.core
import monitor.extract.page
import monitor.extract.signature  # noqa: F401
from monitor.crawl.memory import trim
from monitor.extract.stopwords import every_language

every_language()
# What building them freed goes back to the system, and what stays is frozen: a worker's
# garbage collector would otherwise walk (and so write, and copy) these objects' pages.
gc.collect()
gc.freeze()
trim()
