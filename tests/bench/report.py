"""`bench.py`'s printed table, detail lines and acceptance lines."""

from __future__ import annotations

from measure import Measure


def table(newsmon: list[Measure], baseline: list[Measure]) -> str:
    lines = [
        f"{'case':<22}{'wall s':>8}{'CPU s':>8}{'pages/s':>9}{'CPU ms/p':>10}{'peak MB':>9}"
        f"{'x pages/s':>11}{'x CPU':>8}{'server %':>10}{'conns':>7}"
    ]
    base = {m.case: m for m in baseline}
    for side, rows in (("newsmon", newsmon), ("baseline", baseline)):
        for m in rows:
            ref = base[m.case]
            speed = m.pages_per_s / ref.pages_per_s if ref.pages_per_s else 0
            cpu = m.cpu_s / ref.cpu_s if ref.cpu_s else 0
            share = 100 * m.server_cpu_s / m.wall_s if m.wall_s else 0
            lines.append(
                f"{side + ' ' + m.case:<22}{m.wall_s:8.1f}{m.cpu_s:8.1f}{m.pages_per_s:9.1f}"
                f"{m.cpu_ms_per_page:10.1f}{m.peak_rss_mb:9.0f}{speed:10.2f}x{cpu:7.2f}x{share:9.1f}%"
                f"{m.connections:7d}"
            )
    return "\n".join(lines)


def acceptance(newsmon: list[Measure], baseline: list[Measure]) -> list[tuple[str, bool]]:
    n = {m.case: m for m in newsmon}
    b = {m.case: m for m in baseline}
    cold = n["cold"]
    speed = cold.pages_per_s / b["cold"].pages_per_s
    edited = n["edited"].counts
    refused = cold.counts.get("refused", [])
    articles = cold.pages - len(refused)
    return [
        (f"cold crawl {speed:.2f}x the baseline's pages/s (>= 1.7x)", speed >= 1.7),
        (
            f"cold crawl stored {cold.counts['new']} of the {articles} article pages "
            f"(the {len(refused)} index pages apart), {cold.counts['errors']} errors",
            cold.counts["new"] == articles and not cold.counts["errors"],
        ),
        (
            f"re-check, nothing changed: {100 * n['recheck'].cpu_s / cold.cpu_s:.1f} % of the cold "
            f"crawl's CPU s (<= 10 %); {n['recheck'].counts['false_changes']} false changes",
            n["recheck"].cpu_s <= 0.10 * cold.cpu_s and not n["recheck"].counts["false_changes"],
        ),
        (
            f"re-check, 10 % edited: {100 * n['edited'].cpu_s / cold.cpu_s:.1f} % of the cold "
            f"crawl's CPU s (<= 20 %)",
            n["edited"].cpu_s <= 0.20 * cold.cpu_s,
        ),
        (
            f"edits detected: {edited['detected']} of {edited['edited']}, "
            f"{edited['false_changes']} changes where nothing was edited",
            edited["detected"] == edited["edited"] and not edited["false_changes"],
        ),
        (
            # PSS: the workers share what the main process loaded, and each one's RSS counts it.
            f"cold crawl memory {cold.sampled_pss_mb:.0f} MB PSS at most at once (< 250 MB; "
            f"summed per-process RSS peaks {cold.peak_rss_mb:.0f} MB)",
            cold.sampled_pss_mb < 250,
        ),
    ]


def real_acceptance(newsmon: list[Measure], baseline: list[Measure]) -> list[tuple[str, bool]]:
    """Issue 18's lines, on the real pages, in one run."""
    n = {m.case: m for m in newsmon}
    b = {m.case: m for m in baseline}
    cold, plain = n["cold"], b["cold"]
    speed = cold.pages_per_s / plain.pages_per_s
    checks = acceptance(newsmon, baseline)[1:5]  # stored all, re-check CPU shares, edits found
    return [
        (f"cold crawl {speed:.2f}x the plain loop's pages/s (>= 1.85x)", speed >= 1.85),
        (
            f"cold CPU per page {cold.cpu_ms_per_page:.1f} ms, the plain loop's "
            f"{plain.cpu_ms_per_page:.1f} ms (newsmon's at most the loop's)",
            cold.cpu_ms_per_page <= plain.cpu_ms_per_page,
        ),
        *checks,
        (
            f"cold crawl PSS {cold.sampled_pss_mb:.0f} MB at most at once, sampled (<= 150 MB); "
            f"RSS summed {cold.sampled_rss_mb:.0f} MB",
            0 < cold.sampled_pss_mb <= 150,
        ),
    ]


HELP = (
    "x pages/s, x CPU: newsmon / baseline in the same case. server %: the site's CPU as a "
    "share of one core during the case. CPU: the whole process tree (newsmon: main process "
    "and its extraction workers). peak MB: sum of each process's peak RSS (VmHWM), an "
    "upper bound. conns: TCP connections the site accepted (keep-alive reuses them)."
)


def print_results(newsmon: list[Measure], baseline: list[Measure], real: bool) -> list:
    """Print the table, the detail lines and the acceptance lines; return the acceptance."""
    print(table(newsmon, baseline))
    print(HELP)
    for line in (
        *newsmon_lines(newsmon),
        *baseline_lines(baseline, newsmon),
        *memory_lines(newsmon, baseline),
    ):
        print(line)
    checks = (real_acceptance if real else acceptance)(newsmon, baseline)
    print("\nacceptance:")
    for text, ok in checks:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    return checks


def newsmon_lines(newsmon: list[Measure]) -> list[str]:
    lines = []
    for m in newsmon:
        c = m.counts
        lines.append(
            f"newsmon {m.case}: main process {m.main_cpu_s:.1f} CPU s "
            f"({100 * m.main_cpu_s / m.wall_s:.0f} % of its wall time), workers "
            f"{max(0.0, m.cpu_s - m.main_cpu_s):.1f}; {c['requests']} requests, "
            f"{c['not_modified']} answered 304, "
            f"{c['extracted']} extracted (the rest: 304, same bytes or same signature), "
            f"{c['new']} new, {c['changed']} changed, {c['unchanged']} unchanged, "
            f"{c['errors']} errors, dropped {c['dropped'] or 'none'}"
        )
    refused = newsmon[0].counts.get("refused", [])
    if refused:
        lines.append(
            f"newsmon refuses {len(refused)} URLs as index pages (teasers, not an article; set "
            f"apart from 'stored' on both sides): {', '.join(refused)}"
        )
    return lines


def baseline_lines(baseline: list[Measure], newsmon: list[Measure]) -> list[str]:
    refused = set(newsmon[0].counts.get("refused", []))
    lines = []
    for m in baseline:
        c = m.counts
        # The plain loop keeps the index pages newsmon refuses: counted apart, like with like.
        index = len(refused & set(c.pop("new_paths", [])))
        apart = f" ({c['new'] - index} article pages, {index} index pages)" if index else ""
        lines.append(
            f"baseline {m.case}: {c['new']} new{apart}, {c['changed']} changed "
            f"({c['false_changes']} where nothing was edited), {c['unchanged']} unchanged"
        )
    return lines


def memory_lines(newsmon: list[Measure], baseline: list[Measure]) -> list[str]:
    lines = []
    for side, m in (("newsmon", newsmon[0]), ("baseline", baseline[0])):
        lines.append(
            f"{side} cold memory: sum of per-process peaks {m.peak_rss_mb:.0f} MB; sampled every "
            f"0.1 s: at most {m.sampled_rss_mb:.0f} MB RSS, {m.sampled_pss_mb:.0f} MB PSS at once"
        )
        lines.append("  per process: " + ", ".join(f"{k} {v:.0f}" for k, v in m.peaks.items()))
    for side, rows in (("newsmon", newsmon), ("baseline", baseline)):
        c = next(m for m in rows if m.case == "edited").counts
        lines.append(
            f"{side} 10 % edited: found {c['detected']} of {c['edited']} edits, missed "
            f"{c['edited'] - c['detected']} {c['missed']}, false {c['false_changes']} "
            f"{c['false_examples']}"
        )
    return lines
