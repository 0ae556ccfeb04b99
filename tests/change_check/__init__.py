"""The change-detection check over saved real pages (issue 16).

For every saved page, pairs of pages (original, variant) are generated at run time: pairs that
differ only by noise, which must not alert, and pairs that differ by a real edit, which must.
Each pair goes through newsmon's own comparison (`compare`), as the store pipeline decides about
a fetched page against the stored version. Nothing of the pages is kept in the repository.

Usage: python tests/change_check [--limit N] [--kind K] [--json OUT] [--jobs J] [DIR ...]
"""

from __future__ import annotations

from change_check.run import check_pages, main

__all__ = ["check_pages", "main"]
