"""The README's commands, run the way it documents them (issue 17, acceptance).

The commands are read from the README's ```sh blocks, so a command the README adds or changes
is tested as written: every `newsmon ...` line of "Commands" runs against a database crawled
from the sample site, bare and with its optional parts filled in; each read command refuses a
missing --db, and each name the line takes refuses an unknown value, in one 'Error:' line with
exit code 2; the "Against the sample site by hand" block runs literally on a free port. No
output may carry a Scrapy log line or a traceback.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from conftest import (
    ROOT,
    SAMPLE_CONFIG,
    cli_runner,
    free_port,
    newsmon_argv,
    newsmon_env,
    rows,
    start_newsmon,
    wait_for,
)

from monitor.sample_site import SampleSite

README = (ROOT / "README.md").read_text(encoding="utf-8")
# Commands that serve or loop until stopped (or, for the demo, take a minute: test_demo runs
# it); every other line of the block runs here.
LONG_RUNNING = {"run", "serve", "sample-site", "demo"}
# Commands that read no database: every other command must refuse a missing --db.
NO_DATABASE = {"run", "crawl", "demo", "sample-site", "--version"}
NO_DATABASE_PAIRS = {"config check", "rules check", "notify test", "sources add"}
# What an unknown value is, per placeholder or literal of the README's lines.
UNKNOWN = {
    "SOURCE...": "zfd",
    "zdf": "zfd",
    "ARTICLE": "999",
    "ID": "999",
    "NAME": "nope",
    "TAG": "nope",
    "RULE": "nope",
    "dead": "foo",
}


def sh_block(after: str) -> list[str]:
    """The lines of the first ```sh block after the line `after` of the README."""
    start = README.index(after)
    body = README[start:].split("```sh\n", 1)[1].split("```", 1)[0]
    return [line for line in body.splitlines() if line.strip()]


def readme_commands() -> list[list[str]]:
    """The "Commands" block as token lists, comments dropped; [..] stays one token."""
    lines = [re.sub(r"\s+#\s.*$", "", line) for line in sh_block("## Commands")]
    assert all(line.startswith("newsmon ") for line in lines), lines
    return [re.findall(r"\[[^\]]*\]|\S+", line)[1:] for line in lines]


def expand(tokens: list[str], values: dict[str, str], optional: bool) -> list[str]:
    """`tokens` as argv: placeholders replaced by `values`; an [optional part] dropped, or
    (with `optional`) its first alternative kept."""
    argv: list[str] = []
    for token in tokens:
        if token.startswith("["):
            if not optional:
                continue
            words = token[1:-1].split("|")[0].split()
        else:
            words = [token]
        argv += [values.get(word, word) for word in words]
    return argv


def command_of(argv: list[str]) -> str:
    """The command's name: "articles", "rules test"."""
    sub = len(argv) > 1 and argv[1] in {"check", "test", "add", "retry"}
    return " ".join(argv[:2]) if sub else argv[0]


def clean(result) -> None:
    """No Scrapy log line and no traceback in what a command printed."""
    both = result.out + result.err
    assert "[scrapy" not in both and not re.search(r"WARNING.*scrapy|scrapy.*WARNING", both)
    assert "Traceback" not in both


def one_error_line(result) -> str:
    assert result.code == 2, (result.code, result.out[-500:], result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.err
    return lines[0]


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    """The sample site crawled, then crawled again after a scripted headline edit; a copy of
    the sample config (`sources add --write` appends to it); a runner against both."""
    tmp = tmp_path_factory.mktemp("readme")
    config = tmp / "sample.toml"
    shutil.copy(SAMPLE_CONFIG, config)
    with SampleSite() as site:
        run = cli_runner(site, tmp / "monitor.db")
        assert run("crawl").code == 0
        site.advance()  # three new articles
        site.advance()  # a reworded headline
        assert run("crawl", "zdf").code == 0
        edited = rows(
            tmp / "monitor.db", "select article_id from versions group by 1 having count(*) > 1"
        )
        values = {
            "SOURCE...": "world",
            "ARTICLE": str(edited[0]["article_id"]),
            "ID": "1",
            "N": "1",
            "M": "2",
            "RULE": "witkoff",
            "NAME": "ukraine-talks",
            "TAG": "newsroom",
            "URL": f"{site.base_url}/",
        }
        yield lambda *args: run(*args, config=config), values, tmp


def test_every_documented_command_runs_as_written(crawled):
    run, values, tmp = crawled
    config = tmp / "sample.toml"
    ran: list[list[str]] = []
    for tokens in readme_commands():
        if tokens[0] not in LONG_RUNNING:
            for optional in (False, True):
                if (argv := expand(tokens, values, optional)) not in ran:
                    ran.append(argv)
    assert len(ran) >= 20, ran  # the block was read, not skipped
    # Crawls first and `sources add --write` (it changes the config) last; the reads at once.
    first = [a for a in ran if a[0] == "crawl"]
    last = [a for a in ran if a[0] == "sources"]
    assert any("--write" in a for a in last), last
    middle = [a for a in ran if a not in first + last]
    results = [run(*a) for a in first]
    with ThreadPoolExecutor(4) as pool:
        results += pool.map(lambda argv: run(*argv), middle)
    results += [run(*a) for a in last]
    for argv, result in zip(first + middle + last, results, strict=True):
        assert result.code == 0, (argv, result.out[-2000:], result.err[-2000:])
        clean(result)
    # The hint after --write names the config it wrote to, so it crawls the new source.
    assert f"Crawl it once: newsmon --config {config} crawl site" in results[-1].out


def test_each_read_command_refuses_a_missing_database(crawled):
    run, values, tmp = crawled
    missing = tmp / "typo.db"
    cases = [
        expand(tokens, values, optional=True)
        for tokens in readme_commands()
        if tokens[0] not in NO_DATABASE
        and command_of(expand(tokens, values, False)) not in NO_DATABASE_PAIRS
    ]
    assert {command_of(c) for c in cases} >= {"status", "articles", "diff", "alerts", "serve"}
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda argv: run("--db", str(missing), *argv), cases))
    for argv, result in zip(cases, results, strict=True):
        line = one_error_line(result)
        assert str(missing) in line and "no such database" in line, (argv, line)
    assert not missing.exists()


def test_each_unknown_name_is_one_error_line_listing_the_known_ones(crawled):
    run, values, _ = crawled
    cases: list[tuple[list[str], str]] = []  # one unknown value per case
    for tokens in readme_commands():
        good = expand(tokens, values, optional=True)
        for key, unknown in UNKNOWN.items():
            bad = expand(tokens, {**values, key: unknown}, optional=True)
            if bad != good and tokens[0] not in LONG_RUNNING and (bad, unknown) not in cases:
                cases.append((bad, unknown))
    wanted = {"crawl", "articles", "diff", "rules test", "stories test", "notify test", "alerts"}
    assert {command_of(c) for c, _ in cases} >= wanted, cases
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda case: run(*case[0]), cases))
    for (argv, unknown), result in zip(cases, results, strict=True):
        line = one_error_line(result)
        clean(result)
        assert unknown in line, (argv, line)
        assert "known" in line or "ids 1 to" in line or "'pending'" in line, (argv, line)


def test_the_by_hand_block_runs_literally_on_a_free_port(tmp_path):
    port = free_port()
    lines = [line.replace("8800", str(port)) for line in sh_block("Against the sample site by")]
    assert lines[0].endswith("&") and "sample-site" in lines[0]
    # The block's crawls use the sample config's defaults: the site's address and a database
    # of their own, which the environment moves to the free port and a temporary file.
    env = {"NEWSMON_SAMPLE_URL": f"http://127.0.0.1:{port}", "NEWSMON_DB": str(tmp_path / "s.db")}
    server = start_newsmon(
        *shlex.split(lines[0].rstrip("& "))[1:],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/"), 30, "the sample site")
        outputs = []
        for line in lines[1:]:
            argv = shlex.split(re.sub(r"\s+#\s.*$", "", line))
            if argv[0] == "curl":
                step = _post(argv[-1])
                outputs.append(step)
                continue
            proc = subprocess.run(
                newsmon_argv(*argv[1:]),
                cwd=ROOT,
                env=newsmon_env(**env),
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert proc.returncode == 0, (line, proc.stdout[-2000:], proc.stderr[-2000:])
            assert "[scrapy" not in proc.stdout + proc.stderr
            outputs.append(proc.stdout)
    finally:
        server.terminate()
        server.wait(timeout=10)
    first, step, second = outputs
    assert first.count("[new]") >= 30
    for path, category in step["expected"]:  # the scripted edit, found by the second crawl
        assert f"[{category}" in second and path in second, (path, second[-2000:])


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def _post(url: str) -> dict:
    request = urllib.request.Request(url, method="POST", data=b"")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())
