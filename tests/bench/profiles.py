"""`bench.py --profile`: pyinstrument on newsmon's reactor thread and on one worker's job, each
reduced to its top functions by self time, its self time per package and its call tree."""

from __future__ import annotations

import json
from pathlib import Path


def start_profiler():
    from pyinstrument import Profiler

    # The reactor's loop runs everything on this thread: sample it whole, awaits included.
    profiler = Profiler(interval=0.001, async_mode="disabled")
    profiler.start()
    return profiler


def save_profile(profiler, title: str, workdir: Path, top: int = 25) -> None:
    """Add a profile's top entries by self time, its self time per package, and the top of its
    call tree to profiles.json."""
    totals: dict[str, float] = {}
    packages: dict[str, float] = {}

    def walk(frame, package: str) -> None:
        if frame.function and not frame.is_synthetic:
            key = f"{frame.function}  {frame.file_path_short}:{frame.line_no}"
            totals[key] = totals.get(key, 0.0) + frame.total_self_time
            # A built-in counts for the package that called it (sqlite3 under sqlite_utils...).
            builtin = frame.file_path_short.startswith("<")
            package = f"{package} > {frame.function}" if builtin else _package(frame.file_path)
            packages[package] = packages.get(package, 0.0) + frame.total_self_time
        for child in frame.children:
            walk(child, package)

    session = profiler.last_session
    walk(session.root_frame(), "?")
    tree = profiler.output_text(unicode=False, color=False, show_all=False).splitlines()
    path = workdir / "profiles.json"
    profiles = json.loads(path.read_text()) if path.exists() else []
    profiles.append(
        {
            "title": title,
            "wall_s": round(session.duration, 2),
            "cpu_s": round(session.cpu_time, 2),
            "top": [
                [round(seconds, 3), key]
                for key, seconds in sorted(totals.items(), key=lambda kv: -kv[1])[:top]
            ],
            "packages": [
                [round(seconds, 3), name]
                for name, seconds in sorted(packages.items(), key=lambda kv: -kv[1])[:15]
            ],
            "tree": "\n".join(line for line in tree[:70] if line.strip()),
        }
    )
    path.write_text(json.dumps(profiles, indent=1))


def _package(path: str) -> str:
    """The library (or newsmon part, or stdlib module) a source file belongs to."""
    parts = Path(path).parts
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1].split(".")[0]
    for own in ("monitor", "spiders", "bench"):
        if own in parts[-3:-1]:
            return f"newsmon {own}"
    return f"stdlib {Path(path).stem if parts[-2].startswith('python3') else parts[-2]}"


def print_profiles(profiles: list[dict]) -> None:
    for profile in profiles:
        wall = profile["wall_s"]
        print(
            f"\n=== profile: {profile['title']}: {wall:.1f} s sampled, {profile['cpu_s']:.1f} s CPU"
        )
        print(f"{'self s':>8} {'share':>6}  function (self time: in the function, not its callees)")
        for seconds, key in profile["top"]:
            print(f"{seconds:8.2f} {100 * seconds / wall:5.1f}%  {key}")
        print(f"{'self s':>8} {'share':>6}  package (> a built-in it called)")
        for seconds, name in profile["packages"]:
            print(f"{seconds:8.2f} {100 * seconds / wall:5.1f}%  {name}")
        print("--- call tree, library frames folded ---")
        print(profile["tree"])


def profile_extraction(pages: list[tuple[str, bytes]], workdir: Path) -> None:
    """One worker's job: `extract` over a sample of the site's pages (URL, body), in this
    process."""
    from pyinstrument import Profiler

    from monitor.errors import ExtractionError
    from monitor.extract.article import extract

    extract(pages[0][1], pages[0][0])  # imports and caches outside the profile
    profiler = Profiler(interval=0.0005)
    profiler.start()
    refused = 0
    for url, body in pages:
        try:
            extract(body, url)
        except ExtractionError:  # a real page newsmon refuses (an index page): a worker's job too
            refused += 1
    profiler.stop()
    title = f"one worker's extraction of {len(pages)} pages ({refused} refused as index pages)"
    save_profile(profiler, title, workdir)
