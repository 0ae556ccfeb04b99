"""The per-kind table: pages tried, variants made, false alerts or misses, examples."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from change_check.kinds import KINDS, group_of

EXAMPLES = 4


@dataclass
class KindTally:
    kind: str
    tried: int = 0  # pages newsmon extracts
    generated: int = 0
    failed: int = 0  # false alerts (noise) or misses (edit)
    examples: list[str] = field(default_factory=list)
    outcomes: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def rate(self) -> float:
        return self.failed / self.generated if self.generated else 0.0


@dataclass
class Tally:
    kinds: dict[str, KindTally]
    refused: list[str]  # pages newsmon refuses

    @classmethod
    def of(cls, results: list) -> Tally:
        kinds = {k: KindTally(k) for k in KINDS if any(r.kind == k for r in results)}
        refused = sorted({r.page for r in results if r.outcome.startswith("refused_page")})
        for r in results:
            if r.outcome.startswith("refused_page"):
                continue
            t = kinds[r.kind]
            t.tried += 1
            if not r.generated:
                continue
            t.generated += 1
            t.outcomes[r.outcome] += 1
            if r.failed:
                t.failed += 1
                if len(t.examples) < EXAMPLES:
                    t.examples.append(r.page)
        return cls(kinds, refused)


def print_table(tally: Tally, pages: int, seconds: float) -> None:
    print(
        f"{pages} pages, {len(tally.refused)} refused by newsmon (counted apart), {seconds:.0f} s"
    )
    head = f"{'kind':<18} {'group':<6} {'tried':>5} {'made':>5} {'fail':>5} {'rate':>7}  examples"
    print(head)
    print("-" * len(head))
    for t in tally.kinds.values():
        examples = ", ".join(t.examples)
        print(
            f"{t.kind:<18} {group_of(t.kind):<6} {t.tried:>5} {t.generated:>5} {t.failed:>5} "
            f"{t.rate:>7.1%}  {examples}"
        )
    print("fail: false alerts for noise kinds, misses for edit kinds; rate = fail / made")
    if tally.refused:
        print(
            "refused: "
            + ", ".join(tally.refused[:10])
            + (" ..." if len(tally.refused) > 10 else "")
        )
