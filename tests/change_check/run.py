"""Run the check: every page, every kind, in worker processes; then the report."""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from change_check.compare import compare, extract_stored
from change_check.kinds import KINDS, group_of
from change_check.locate import locate, parse, serialize
from change_check.pages import SavedPage, default_dirs, saved_pages
from change_check.report import Tally, print_table
from monitor.errors import ExtractionError


@dataclass
class PairResult:
    page: str
    kind: str
    group: str  # noise or edit
    generated: bool
    outcome: str = ""  # compare.Verdict.outcome; "refused_page" when the original is refused
    alert: bool = False
    categories: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        """A false alert (noise) or a miss (edit)."""
        return self.generated and self.alert != (self.group == "edit")


def check_page(page: SavedPage, kinds: list[str]) -> list[PairResult]:
    """Every pair of `kinds` for one page."""
    root = parse(page.read())
    base = serialize(root)
    try:
        article = extract_stored(base, page.url)
    except ExtractionError as exc:
        return [PairResult(page.name, k, group_of(k), False, f"refused_page: {exc}") for k in kinds]
    loc = locate(root, article, page.lang)
    stored = {base: article}  # the stored version of an original, by its bytes
    return [_pair(page, kind, loc, base, stored) for kind in kinds]


def _pair(page: SavedPage, kind: str, loc, base: bytes, stored: dict) -> PairResult:
    rng = random.Random(zlib.crc32(f"{page.name}/{kind}".encode()))
    result = PairResult(page.name, kind, group_of(kind), False)
    try:
        made = KINDS[kind](loc, rng)
    except Exception as exc:  # a page this check cannot vary: counted as not made
        result.outcome = f"not_made: {type(exc).__name__}: {exc}"
        return result
    if made is None:
        return result
    old_page, new_page = (base if r is loc.root else serialize(r) for r in made)
    if old_page == new_page:
        return result
    if old_page not in stored:
        try:
            stored[old_page] = extract_stored(old_page, page.url)
        except ExtractionError:
            result.outcome = "refused_original"
            return result
    verdict = compare(stored[old_page], old_page, new_page, page.url)
    result.generated = True
    result.outcome, result.alert, result.categories = (
        verdict.outcome,
        verdict.alert,
        verdict.categories,
    )
    return result


def check_pages(pages: list[SavedPage], kinds: list[str], jobs: int = 1) -> list[PairResult]:
    """Every pair of `kinds` for every page, `jobs` pages at a time."""
    if jobs <= 1:
        return [r for page in pages for r in check_page(page, kinds)]
    with ProcessPoolExecutor(jobs) as pool:
        done = pool.map(check_page, pages, [kinds] * len(pages), chunksize=2)
        return [r for results in done for r in results]


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="change_check", description=__doc__)
    parser.add_argument("dirs", nargs="*", type=Path, help="page folders (default: the shared)")
    parser.add_argument("--limit", type=int, default=0, help="at most N pages per folder")
    parser.add_argument("--kind", action="append", choices=sorted(KINDS), help="only kind K")
    parser.add_argument("--json", type=Path, help="write every pair's result to OUT")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    pages = []
    for directory in args.dirs or default_dirs():
        if not directory.is_dir():
            print(f"change_check: no folder {directory}", file=sys.stderr)
            return 2
        found = saved_pages(directory)
        pages += found[: args.limit] if args.limit else found
    started = time.perf_counter()
    results = check_pages(pages, args.kind or list(KINDS), args.jobs)
    print_table(Tally.of(results), len(pages), time.perf_counter() - started)
    if args.json:
        rows = [asdict(r) | {"failed": r.failed} for r in results]
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0
