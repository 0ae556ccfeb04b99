"""What the fork server builds once, before it forks the extraction workers, so they share it.

Imported only in the fork server (monitor.crawl.workers names it in the preload list): the
extractor's modules, and the stop words of trafilatura's jusText fallback
(monitor.extract.stopwords), which would otherwise be built by each worker on its first
fallback.
"""

import monitor.extract.page  # noqa: F401  (the extractor itself, shared the same way)
from monitor.extract.stopwords import every_language

every_language()
