"""What the fork server builds once, before it forks the extraction workers, so they share it.

Imported only in the fork server (monitor.crawl.workers names it in the preload list). The
largest thing an extraction worker ever holds is trafilatura's justext stop list of every
language and justext's lower-cased copy of it (about 27 MB, 154,000 objects), built the first
time the fallback runs. Built here, the workers read one copy instead of building one each:
measured on the 453 real pages with two workers, 28 MB less PSS in all.
"""

from justext.core import define_stoplist
from trafilatura.external import jt_stoplist_init

import monitor.extract.page  # noqa: F401  (the extractor itself, shared the same way)

define_stoplist(jt_stoplist_init())
