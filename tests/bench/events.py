"""Score event grouping on the labelled set: `.venv/bin/python tests/bench/events.py [dir]`.

tests/data/events/*.toml holds one event a file (`event`, `description`, `[[articles]]` with
id, outlet, lang, seen, headline, lead, body, credit). Every article goes, in `seen` order,
through one Grouper (one story, as monitor.stories.grouping feeds it); the script prints
pairwise precision and recall of "same event", a table per event, and each false merge and
false split. Target: both >= 0.9.
"""

from __future__ import annotations

import sys
import time
import tomllib
from dataclasses import replace
from datetime import timedelta
from itertools import combinations
from pathlib import Path

from monitor.clock import iso, parse_time
from monitor.stories.events import WINDOW, Doc, Grouper

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data" / "events"


def load(folder: Path) -> list[tuple[str, dict]]:
    """(true event, article) for every labelled article, in the order they were seen."""
    found = []
    for path in sorted(folder.glob("*.toml")):
        data = tomllib.loads(path.read_text())
        found += [(data["event"], article) for article in data["articles"]]
    return sorted(found, key=lambda pair: parse_time(pair[1]["seen"]))


def run(labelled: list[tuple[str, dict]], window: int = WINDOW) -> tuple[dict, dict, float]:
    """Group the articles: (article id -> predicted event, article id -> role, seconds)."""
    grouper = Grouper(window)
    predicted, roles = {}, {}
    started = time.perf_counter()
    for number, (_, art) in enumerate(labelled, 1):
        doc = _doc(number, art)
        placement = grouper.place(doc)
        event = placement.event if placement.event is not None else f"e{number}"
        grouper.add(doc, event)
        predicted[art["id"]] = event
        roles[art["id"]] = (placement.role, placement.agency, placement.evidence)
    return predicted, roles, time.perf_counter() - started


def _doc(number: int, art: dict) -> Doc:
    return Doc(
        article_id=number,
        source=art["outlet"],
        seen=iso(parse_time(art["seen"])),
        headline=art.get("headline", ""),
        lead=art.get("lead", ""),
        body=list(art.get("body", [])),
        credit=art.get("credit", ""),
        language=art.get("lang", ""),
    )


def pairs(labelled: list[tuple[str, dict]], predicted: dict) -> dict[str, list[tuple]]:
    """Every pair of articles, sorted into true/false merges and splits."""
    found: dict[str, list[tuple]] = {"tp": [], "fp": [], "fn": [], "tn": []}
    for (true_a, a), (true_b, b) in combinations(labelled, 2):
        same = true_a == true_b
        together = predicted[a["id"]] == predicted[b["id"]]
        kind = ("tp" if same else "fp") if together else ("fn" if same else "tn")
        found[kind].append((a, b))
    return found


def report(labelled: list[tuple[str, dict]], predicted: dict, roles: dict) -> tuple[float, float]:
    found = pairs(labelled, predicted)
    tp, fp, fn = len(found["tp"]), len(found["fp"]), len(found["fn"])
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    print(f"{len(labelled)} articles, {len({e for e, _ in labelled})} events")
    print(f"pairwise precision {precision:.3f}  recall {recall:.3f}  (tp {tp}, fp {fp}, fn {fn})")
    print(f"\n{'event':32} {'articles':>8} {'groups':>6}  roles")
    for event in sorted({e for e, _ in labelled}):
        ids = [a["id"] for e, a in labelled if e == event]
        groups = len({predicted[i] for i in ids})
        kinds = " ".join(f"{i.rsplit('/', 1)[-1]}:{roles[i][0]}" for i in ids)
        print(f"{event:32} {len(ids):>8} {groups:>6}  {kinds}")
    for kind, title in (("fp", "false merges"), ("fn", "false splits")):
        print(f"\n{title}: {len(found[kind])}")
        for a, b in found[kind]:
            print(f"  {a['id']} | {b['id']}\n    {a['headline']}\n    {b['headline']}")
            for art in (a, b):
                evidence = roles[art["id"]][2]
                if evidence is not None:
                    print(f"    {art['id']}: {evidence.to_json()}")
    return precision, recall


def timing(labelled: list[tuple[str, dict]], held: int = 200) -> float:
    """Milliseconds per place() with `held` recent articles in the story: the labelled
    articles again and again, each copy another article an hour later, then each placed."""
    docs = [_doc(n, art) for n, (_, art) in enumerate(labelled, 1)]
    grouper = Grouper(WINDOW * 100)  # every copy within the window: the worst case
    for n in range(held):
        base = docs[n % len(docs)]
        seen = iso(parse_time(base.seen) + timedelta(hours=n // len(docs)))
        grouper.add(replace(base, article_id=10_000 + n, seen=seen, body=base.body[n % 2 :]), n)
    started = time.perf_counter()
    for doc in docs:
        grouper.place(doc)
    return (time.perf_counter() - started) * 1000 / len(docs)


def main(argv: list[str]) -> int:
    folder = Path(argv[1]) if len(argv) > 1 else DATA
    labelled = load(folder)
    if not labelled:
        print(f"no labelled articles in {folder}")
        return 1
    predicted, roles, seconds = run(labelled)
    precision, recall = report(labelled, predicted, roles)
    print(f"\n{seconds * 1000 / len(labelled):.2f} ms per article (place + add)")
    print(f"{timing(labelled):.2f} ms per place() with 200 recent articles in the story")
    return 0 if precision >= 0.9 and recall >= 0.9 else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
