"""The saved real pages: where they are, their URLs, their bytes."""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENV = "NEWSMON_REAL_PAGES"  # as tests/realpages.py: the folder of ../shared/pages


@dataclass
class SavedPage:
    name: str  # the file name without its extension, with its folder for ../pages-more
    path: Path
    url: str
    lang: str

    def read(self) -> bytes:
        data = self.path.read_bytes()
        return gzip.decompress(data) if self.path.suffix == ".gz" else data


def default_dirs() -> list[Path]:
    """../shared/pages (or $NEWSMON_REAL_PAGES) and the two folders of ../shared/pages-more."""
    pages = Path(os.environ.get(ENV) or REPO.parent / "shared" / "pages")
    more = pages.parent / "pages-more"
    return [pages, more / "bodies", more / "snippets"]


def saved_pages(directory: Path) -> list[SavedPage]:
    """The pages of one folder, by name: `<name>.html` or `<name>.html.gz` with `<name>.json`."""
    found = []
    for path in sorted(directory.glob("*.html*")):
        stem = path.name.removesuffix(".gz").removesuffix(".html")
        meta = directory / f"{stem}.json"
        if not meta.is_file():
            continue
        info = json.loads(meta.read_text(encoding="utf-8"))
        name = stem if directory.name == "pages" else f"{directory.name}/{stem}"
        found.append(SavedPage(name, path, info.get("url") or "", info.get("lang") or "und"))
    return found
