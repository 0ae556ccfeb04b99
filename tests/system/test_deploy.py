"""The systemd units and the install script, checked with systemd's own tools.

Needs the Debian package `systemd` (systemd-analyze, and libseccomp2 with it); CI installs it.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import textwrap
import urllib.error
import urllib.parse
import urllib.request
import warnings
from pathlib import Path

import pytest
import yaml
from conftest import answer, free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
UNITS = ("newsmon.service", "newsmon-datasette.service")
# The roles of a cluster on Redis (README.md, "Running on several machines"); the crawler's is
# a template whose instance is the crawler's name.
CLUSTER_UNITS = ("newsmon-scheduler.service", "newsmon-writer.service", "newsmon-crawler@.service")
VENV_BIN = Path(sys.executable).parent  # where this checkout's newsmon and datasette live
INSTALLED_BIN = "/opt/newsmon/venv/bin/"


def analyze(*args: str) -> subprocess.CompletedProcess:
    tool = shutil.which("systemd-analyze")
    assert tool, "systemd-analyze is missing: apt-get install systemd"
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=120)


def local_units(tmp_path: Path, names: tuple[str, ...] = UNITS) -> list[Path]:
    """The units with /opt/newsmon/venv pointed at this checkout's venv, so that verify can
    check that ExecStart names a real executable instead of stopping at a missing /opt.
    A template is written as an instance of itself (`@1`), as systemd would run it."""
    paths = []
    for name in names:
        text = (DEPLOY / name).read_text(encoding="utf-8")
        path = tmp_path / name.replace("@.", "@1.")
        path.write_text(text.replace(INSTALLED_BIN, f"{VENV_BIN}/"), encoding="utf-8")
        paths.append(path)
    return paths


def verify_problems(paths: list[Path]) -> list[str]:
    """What systemd-analyze verify says about our units. It exits 0 after most warnings
    (an unknown key, a value it cannot parse: "ignoring"), so its output is what counts."""
    result = analyze("verify", *map(str, paths))
    lines = (result.stdout + result.stderr).splitlines()
    problems = [line for line in lines if "newsmon" in line]
    if result.returncode != 0 and not problems:
        problems = lines or [f"exit code {result.returncode}"]
    return problems


def exposure(path: Path) -> float:
    result = analyze("security", "--offline=true", "--no-pager", str(path))
    found = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", result.stdout)
    assert found, result.stdout[-2000:] + result.stderr
    return float(found.group(1))


def unit_setting(name: str, key: str) -> list[str]:
    text = (DEPLOY / name).read_text(encoding="utf-8")
    return re.findall(rf"^{re.escape(key)}=(.*)$", text, flags=re.M)


def test_both_units_pass_systemd_analyze_verify(tmp_path):
    assert verify_problems(local_units(tmp_path)) == []


def test_verify_as_run_here_does_catch_a_broken_unit(tmp_path):
    """The check above is only worth something if a misspelt key or a missing program fails."""
    daemon, _ = local_units(tmp_path)
    text = daemon.read_text(encoding="utf-8")
    daemon.write_text(text.replace("ProtectSystem=", "ProtectSytem="), encoding="utf-8")
    assert any("ProtectSytem" in p for p in verify_problems([daemon]))
    daemon.write_text(text.replace(f"{VENV_BIN}/newsmon", "/nonexistent/newsmon"), "utf-8")
    assert any("/nonexistent/newsmon" in p for p in verify_problems([daemon]))


def test_the_cluster_units_pass_systemd_analyze_verify(tmp_path):
    assert verify_problems(local_units(tmp_path, CLUSTER_UNITS)) == []


def test_verify_catches_a_broken_crawler_template(tmp_path):
    (crawler,) = local_units(tmp_path, ("newsmon-crawler@.service",))
    text = crawler.read_text(encoding="utf-8")
    crawler.write_text(text.replace("PrivateTmp=", "PrivatTmp="), encoding="utf-8")
    assert any("PrivatTmp" in p for p in verify_problems([crawler]))


@pytest.mark.parametrize("name", UNITS + CLUSTER_UNITS)
def test_each_unit_is_rated_an_exposure_of_2_or_lower(name, tmp_path):
    (path,) = local_units(tmp_path, (name,))
    assert exposure(path) <= 2.0


@pytest.mark.parametrize("role", ["scheduler", "writer", "crawler"])
def test_each_cluster_unit_runs_its_role_with_the_daemons_config_and_hardening(role):
    name = next(n for n in CLUSTER_UNITS if role in n)
    (command,) = unit_setting(name, "ExecStart")
    assert command == (
        f"{INSTALLED_BIN}newsmon --config /etc/newsmon/monitor.toml run --role {role}"
    )
    assert unit_setting(name, "DynamicUser") == ["yes"]
    assert unit_setting(name, "RestartPreventExitStatus") == [str(CONFIG_ERROR_EXIT)]
    # The same sandbox as the daemon's, line for line.
    hardening = (DEPLOY / "newsmon.service").read_text(encoding="utf-8").split("# --- Hardening")[1]
    ours = (DEPLOY / name).read_text(encoding="utf-8").split("# --- Hardening")[1]
    settings = [line for line in hardening.splitlines() if line and not line.startswith("#")]
    assert settings == [line for line in ours.splitlines() if line and not line.startswith("#")]
    # The writer and the scheduler share the daemon's database; a crawler needs none.
    shares = unit_setting(name, "Environment")[:1] == ["NEWSMON_DB=%S/newsmon/monitor.db"]
    assert shares == (role != "crawler")


def test_the_daemon_unit_has_what_the_daemon_relies_on():
    name = "newsmon.service"
    assert unit_setting(name, "Type") == ["notify"]
    assert unit_setting(name, "NotifyAccess") == ["main"]
    assert unit_setting(name, "WatchdogSec") == ["120"]
    assert unit_setting(name, "ExecReload") == ["/bin/kill -HUP $MAINPID"]
    # The daemon exits 3 when its database file was replaced: a restart would re-alert history.
    # Exit 2 (a config error) is not restarted either; see the test below.
    from monitor.daemon.service import REPLACED_EXIT

    (prevent,) = unit_setting(name, "RestartPreventExitStatus")
    assert set(prevent.split()) == {str(CONFIG_ERROR_EXIT), str(REPLACED_EXIT)}
    assert unit_setting(name, "Environment")[0] == "NEWSMON_DB=%S/newsmon/monitor.db"
    assert unit_setting(name, "LoadCredential") == ["apprise.yml:/etc/newsmon/apprise.yml"]
    # Without the targets file the service must still start: a stand-in of the same name,
    # which is a YAML comment only, so it can never be taken for targets.
    (stand_in,) = unit_setting(name, "SetCredential")
    assert stand_in.startswith("apprise.yml:#")
    assert unit_setting("newsmon-datasette.service", "RestartPreventExitStatus") == ["2"]
    # Both units run as one dynamic user, which is how Datasette can read the daemon's files.
    for unit in UNITS:
        assert unit_setting(unit, "DynamicUser") == ["yes"]
        assert unit_setting(unit, "User") == ["newsmon"]
        assert unit_setting(unit, "StateDirectory") == ["newsmon"]


CONFIG_ERROR_EXIT = 2


def test_a_config_error_stops_the_daemon_with_an_exit_code_systemd_does_not_restart(tmp_path):
    config = tmp_path / "monitor.toml"
    missing = tmp_path / "apprise.yml"
    config.write_text(f'[notify]\napprise_config = "{missing}"\n', encoding="utf-8")
    result = subprocess.run(
        [str(VENV_BIN / "newsmon"), "--config", str(config), "run"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "NEWSMON_DB": str(tmp_path / "monitor.db")},
    )
    assert result.returncode == CONFIG_ERROR_EXIT, result.stderr[-2000:]
    assert str(missing) in result.stderr
    (prevent,) = unit_setting("newsmon.service", "RestartPreventExitStatus")
    assert str(result.returncode) in prevent.split()


def test_every_hardening_line_of_the_daemon_unit_says_what_it_does():
    lines = (DEPLOY / "newsmon.service").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if "Hardening" in line)
    end = lines.index("[Install]")
    settings = 0
    for before, line in zip(lines[start:end], lines[start + 1 : end], strict=False):
        if line and not line.startswith("#"):
            settings += 1
            assert before.startswith("#"), f"{line!r} has no comment of its own above it"
    assert settings >= 25


# --- MemoryDenyWriteExecute, tried for real -------------------------------------------------
#
# systemd implements MemoryDenyWriteExecute=yes as a seccomp filter: mmap() with PROT_WRITE and
# PROT_EXEC together, mprotect()/pkey_mprotect() adding PROT_EXEC and shmat() with SHM_EXEC fail
# with EPERM. The launcher below installs the same filter through libseccomp (which systemd
# itself uses) and then execs the program, so the program runs from its first instruction as it
# would under the unit.

LAUNCHER = textwrap.dedent(
    """
    import ctypes, ctypes.util, mmap, os, sys

    lib = ctypes.CDLL(ctypes.util.find_library("seccomp"), use_errno=True)

    class Cmp(ctypes.Structure):
        _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int),
                    ("a", ctypes.c_uint64), ("b", ctypes.c_uint64)]

    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint, ctypes.POINTER(Cmp)]
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    ALLOW, EPERM, MASKED_EQ, SHM_EXEC = 0x7FFF0000, 0x00050000 | 1, 7, 0o100000
    WX, X = mmap.PROT_WRITE | mmap.PROT_EXEC, mmap.PROT_EXEC
    ctx = lib.seccomp_init(ALLOW)
    for name, mask in (("mmap", WX), ("mprotect", X), ("pkey_mprotect", X), ("shmat", SHM_EXEC)):
        number = lib.seccomp_syscall_resolve_name(name.encode())
        rule = Cmp(2, MASKED_EQ, mask, mask)
        assert lib.seccomp_rule_add_array(ctx, EPERM, number, 1, ctypes.byref(rule)) == 0, name
    assert lib.seccomp_load(ctx) == 0
    os.execv(sys.argv[1], sys.argv[1:])
    """
)


def mdwe_command(tmp_path: Path, *argv: str) -> list[str]:
    """argv, to be run under systemd's MemoryDenyWriteExecute=yes rules."""
    assert ctypes.util.find_library("seccomp"), "libseccomp is missing: apt-get install systemd"
    launcher = tmp_path / "mdwe.py"
    launcher.write_text(LAUNCHER, encoding="utf-8")
    return [sys.executable, str(launcher), *argv]


def python_under_mdwe(tmp_path: Path, code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        mdwe_command(tmp_path, sys.executable, "-c", textwrap.dedent(code)),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


def test_the_seccomp_stand_in_really_refuses_writable_executable_memory(tmp_path):
    result = python_under_mdwe(
        tmp_path,
        """
        import mmap
        mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE)  # plain memory is fine
        try:
            mmap.mmap(-1, 4096, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
        except PermissionError:
            print("refused")
        """,
    )
    assert result.stdout.strip() == "refused", result.stderr


def test_extraction_and_storage_code_runs_without_writable_executable_memory(tmp_path):
    result = python_under_mdwe(
        tmp_path,
        """
        import ctypes, sqlite3
        import lxml.html, regex, trafilatura
        from monitor.extract.article import extract  # noqa: F401  (the whole extraction stack imports)
        html = "<html><body><article><h1>Waffenruhe</h1>" + "<p>Ein Satz über Genf.</p>" * 40
        html += "</article></body></html>"
        assert "Genf" in trafilatura.extract(html)
        assert lxml.html.fromstring(html).xpath("//h1")[0].text == "Waffenruhe"
        assert regex.search(r"\\p{L}+", "Kyjiw")
        db = sqlite3.connect(":memory:")
        db.execute("create virtual table t using fts5(x)")
        # A ctypes callback: libffi's closures must not need W+X memory either.
        libc = ctypes.CDLL(None)
        compare = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_int),
                                   ctypes.POINTER(ctypes.c_int))(lambda a, b: a[0] - b[0])
        numbers = (ctypes.c_int * 4)(3, 1, 2, 0)
        libc.qsort(numbers, 4, ctypes.sizeof(ctypes.c_int), compare)
        print(list(numbers))
        """,
    )
    assert result.stdout.strip() == "[0, 1, 2, 3]", result.stderr[-3000:]


@pytest.fixture
def https_site(tmp_path):
    """An HTTPS server on 127.0.0.1 with a throwaway self-signed certificate (stdlib ssl)."""
    import datetime
    import http.server
    import ssl
    import threading

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .sign(key, hashes.SHA256())
    )
    pem = tmp_path / "site.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = b"Waffenruhe in Genf vereinbart"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/article"
    server.shutdown()
    server.server_close()


def scrapy_fetch(tmp_path: Path, url: str, mdwe: bool) -> subprocess.CompletedProcess:
    # From tmp_path, so Scrapy's stock settings apply: this is about its TLS stack, not ours.
    # A broken TLS setup leaves the request hanging until the download timeout: keep it short.
    argv = [str(VENV_BIN / "scrapy"), "fetch", "--nolog", "-s", "DOWNLOAD_TIMEOUT=5"]
    argv += ["-s", "RETRY_ENABLED=0", url]
    return subprocess.run(
        mdwe_command(tmp_path, *argv) if mdwe else argv,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )


def test_the_daemon_denies_writable_executable_memory_only_if_scrapy_https_survives_it(
    tmp_path, https_site
):
    # A real HTTPS fetch by Scrapy: Twisted hands pyOpenSSL callbacks (certificate checks,
    # ALPN) that cffi's ffi.callback() makes in writable executable memory.
    assert "Waffenruhe" in scrapy_fetch(tmp_path, https_site, mdwe=False).stdout
    result = scrapy_fetch(tmp_path, https_site, mdwe=True)
    https_works = "Waffenruhe" in result.stdout
    if unit_setting("newsmon.service", "MemoryDenyWriteExecute") == ["yes"]:
        assert https_works, "MemoryDenyWriteExecute=yes breaks HTTPS:\n" + result.stderr[-2000:]
    elif https_works:
        warnings.warn(
            "Scrapy's HTTPS now works without writable executable memory: "
            "set MemoryDenyWriteExecute=yes in deploy/newsmon.service",
            stacklevel=1,
        )
    else:
        assert "write+execute memory" in result.stderr, result.stderr[-2000:]


def datasette_command(db_path: Path, metadata: Path, port: int) -> list[str]:
    """The unit's own ExecStart, with systemd's expansions done and the paths made local."""
    (line,) = unit_setting("newsmon-datasette.service", "ExecStart")
    line = (
        line.replace("$$", "$")  # systemd's escape for a literal "$"
        .replace("%S/newsmon/monitor.db", str(db_path))
        .replace(INSTALLED_BIN, f"{VENV_BIN}/")
        .replace("/etc/newsmon/datasette.yml", str(metadata))
        .replace("--port 8001", f"--port {port}")
    )
    return shlex.split(line)


@pytest.mark.parametrize("with_metadata", [True, False], ids=["with metadata", "without"])
def test_the_datasette_unit_serves_the_store_without_writable_executable_memory(
    tmp_path, with_metadata
):
    from monitor.store import open_db

    db_path = tmp_path / "monitor.db"
    db = open_db(db_path)
    db["articles"].insert({"source": "zdf", "url": "https://www.zdf.de/a", "status": "live"})
    db.close()
    metadata = tmp_path / "datasette.yml"
    if with_metadata:
        metadata.write_text("title: newsmon test\n", encoding="utf-8")
    assert unit_setting("newsmon-datasette.service", "MemoryDenyWriteExecute") == ["yes"]
    port = free_port()
    command = mdwe_command(tmp_path, *datasette_command(db_path, metadata, port))
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        body = answer(f"{base}/monitor/articles.json?_shape=array", proc).decode("utf-8")
        assert "https://www.zdf.de/a" in body
        with urllib.request.urlopen(f"{base}/-/metadata.json") as response:
            shown = json.loads(response.read())
        # Without /etc/newsmon/datasette.yml, `newsmon serve` uses deploy/datasette.yml.
        shipped = yaml.safe_load((DEPLOY / "datasette.yml").read_text(encoding="utf-8"))
        assert shown.get("title") == ("newsmon test" if with_metadata else shipped["title"])
        # Read-only: the SQL editor refuses to write.
        query = urllib.parse.urlencode({"sql": "delete from articles"})
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"{base}/monitor.json?{query}")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# --- install.sh -------------------------------------------------------------------------

INSTALL = DEPLOY / "install.sh"


def run_install(*args: str, destdir: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DESTDIR"}
    if destdir is not None:
        env["DESTDIR"] = str(destdir)
    return subprocess.run(
        ["bash", str(INSTALL), *args], capture_output=True, text=True, env=env, timeout=120
    )


def test_the_install_script_is_valid_bash_and_executable():
    result = subprocess.run(["bash", "-n", str(INSTALL)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert INSTALL.stat().st_mode & stat.S_IXUSR


def test_a_dry_run_names_every_step_and_changes_nothing(tmp_path):
    result = run_install("--dry-run")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for expected in (
        "dry run",
        "/opt/newsmon/venv",
        "pip install",
        str(ROOT),
        "/etc/newsmon/monitor.toml",
        "/etc/newsmon/apprise.yml.example",
        "/usr/local/bin/newsmonctl",
        "/etc/newsmon/datasette.yml",
        "/etc/systemd/system/newsmon.service",
        "/etc/systemd/system/newsmon-datasette.service",
        "config check",
        "systemctl daemon-reload",
        "systemctl enable --now newsmon.service newsmon-datasette.service",
    ):
        assert expected in out, expected
    staged = run_install("--dry-run", destdir=tmp_path / "root")
    assert staged.returncode == 0, staged.stderr
    assert not (tmp_path / "root").exists()


def test_an_unknown_option_is_refused_with_the_usage():
    result = run_install("--now")
    assert result.returncode == 2
    assert "unknown option '--now'" in result.stderr
    assert "--dry-run" in result.stderr


def fake_venv(root: Path) -> Path:
    """A venv stand-in in the staging root: its python records what pip was asked to do (the
    tests never reach PyPI), its newsmon is this checkout's, so `config check` really runs."""
    bin_dir = root / "opt/newsmon/venv/bin"
    bin_dir.mkdir(parents=True)
    log = root / "pip.log"
    # Logs its arguments, then the files in its last argument (the staged checkout).
    (bin_dir / "python").write_text(
        f'#!/bin/sh\necho "$*" >> {log}\nfor last; do :; done\nls -A "$last" >> {log}\n', "utf-8"
    )
    (bin_dir / "newsmon").write_text(f'#!/bin/sh\nexec {VENV_BIN}/newsmon "$@"\n', "utf-8")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    return log


def installed_targets(root: Path) -> list:
    """The notification targets the service would load from the staged monitor.toml."""
    from monitor.config import load_config
    from monitor.notify.targets import load_targets

    config = load_config(root / "etc/newsmon/monitor.toml")
    return load_targets(config.notify.apprise_config, {})


def test_an_install_into_a_staging_root_sets_up_config_secrets_and_units(tmp_path):
    root = tmp_path / "root"
    log = fake_venv(root)
    result = run_install(destdir=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "monitor.toml: OK" in result.stdout
    assert "skipped (DESTDIR" in result.stdout

    pip = log.read_text(encoding="utf-8")
    assert "-m pip install --quiet --no-deps --force-reinstall" in pip
    assert "pyproject.toml" in pip and "monitor" in pip  # the staged copy of the checkout
    assert ".venv" not in pip.split() and ".git" not in pip.split()

    etc = root / "etc/newsmon"
    assert sorted(p.name for p in etc.iterdir()) == [
        "apprise.yml.example",
        "datasette.yml",
        "monitor.toml",
    ]
    # No targets file, so nothing goes to the example's placeholder addresses: the installed
    # config names none and the daemon prints alerts to the journal.
    assert not (etc / "apprise.yml").exists()
    assert installed_targets(root) == []
    example = etc / "apprise.yml.example"
    assert example.read_bytes() == (ROOT / "config/apprise.example.yml").read_bytes()
    assert stat.S_IMODE(example.stat().st_mode) == 0o600
    assert "alerts go to the journal" in result.stdout
    assert "uncomment [notify] apprise_config" in result.stdout
    assert (etc / "datasette.yml").read_bytes() == (DEPLOY / "datasette.yml").read_bytes()
    ctl = root / "usr/local/bin/newsmonctl"
    assert ctl.read_bytes() == (DEPLOY / "newsmonctl").read_bytes()
    assert stat.S_IMODE(ctl.stat().st_mode) == 0o755
    for name in UNITS:
        installed = root / "etc/systemd/system" / name
        assert installed.read_bytes() == (DEPLOY / name).read_bytes()
        assert stat.S_IMODE(installed.stat().st_mode) == 0o644


def test_installing_again_keeps_the_config_and_secrets_but_replaces_the_units(tmp_path):
    root = tmp_path / "root"
    fake_venv(root)
    assert run_install(destdir=root).returncode == 0
    etc = root / "etc/newsmon"
    config = etc / "monitor.toml"
    config.write_text(config.read_text(encoding="utf-8") + "\n# edited by the admin\n", "utf-8")
    # The admin's own targets, written the way the installer's closing note says.
    (etc / "apprise.yml").write_text("version: 1\nurls:\n  - json://localhost/hook\n", "utf-8")
    (etc / "apprise.yml").chmod(0o600)
    unit = root / "etc/systemd/system/newsmon.service"
    unit.write_text("stale\n", encoding="utf-8")

    again = run_install(destdir=root)
    assert again.returncode == 0, again.stdout + again.stderr
    assert config.read_text(encoding="utf-8").endswith("# edited by the admin\n")
    assert "json://localhost/hook" in (etc / "apprise.yml").read_text(encoding="utf-8")
    assert stat.S_IMODE((etc / "apprise.yml").stat().st_mode) == 0o600
    assert "placeholder" not in again.stdout
    assert "alerts go to the journal" not in again.stdout
    assert unit.read_bytes() == (DEPLOY / "newsmon.service").read_bytes()
    assert again.stdout.count("exists, kept") == 3  # venv, monitor.toml, apprise.yml


def test_an_upgrade_warns_about_the_example_targets_an_older_install_left(tmp_path):
    root = tmp_path / "root"
    fake_venv(root)
    etc = root / "etc/newsmon"
    etc.mkdir(parents=True)
    # What the older install.sh did: the example copied to the name newsmon reads (its
    # header since reworded, which the check must not depend on).
    example = (ROOT / "config/apprise.example.yml").read_text(encoding="utf-8")
    (etc / "apprise.yml").write_text("# older header\nversion:" + example.split("\nversion:", 1)[1])
    result = run_install(destdir=root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "WARNING: /etc/newsmon/apprise.yml still holds the example's placeholder" in result.stdout
    )
    assert "CHANGE-ME" in (etc / "apprise.yml").read_text(encoding="utf-8")  # left as it was


# --- newsmonctl -------------------------------------------------------------------------


def newsmonctl_argv(*args: str) -> list[str]:
    env = {**os.environ, "NEWSMONCTL_ECHO": "1"}
    result = subprocess.run(
        ["sh", str(DEPLOY / "newsmonctl"), *args], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_newsmonctl_runs_the_cli_with_the_daemon_units_user_database_and_config(tmp_path):
    argv = newsmonctl_argv("alerts", "--status", "dead")
    assert argv[0] == "systemd-run" and "--wait" in argv and "--pipe" in argv  # not a tty here
    props = dict(a.removeprefix("--property=").split("=", 1) for a in argv if "--property=" in a)
    env = [a.removeprefix("--setenv=") for a in argv if a.startswith("--setenv=")]
    command = argv[next(i for i, a in enumerate(argv) if a.startswith("/")) :]
    daemon = "newsmon.service"
    for key in ("DynamicUser", "User", "Group", "StateDirectory", "UMask"):
        assert [props[key]] == unit_setting(daemon, key), key
    assert [props["LoadCredential"]] == unit_setting(daemon, "LoadCredential")
    assert [props["SetCredential"]] == unit_setting(daemon, "SetCredential")
    assert "NEWSMON_DB=/var/lib/newsmon/monitor.db" in env
    assert unit_setting(daemon, "Environment")[0] == "NEWSMON_DB=%S/newsmon/monitor.db"
    (start,) = unit_setting(daemon, "ExecStart")
    assert start.removesuffix(" run").split() == command[:3]
    assert command[3:] == ["alerts", "--status", "dead"]
    # Every property is a setting systemd knows, with a value it parses.
    unit = tmp_path / "newsmonctl-check.service"
    lines = [f"{k}={v}" for k, v in props.items()] + [f"Environment={e}" for e in env]
    local = [a.replace(INSTALLED_BIN, f"{VENV_BIN}/") for a in command]
    lines.append("ExecStart=" + shlex.join(local))
    unit.write_text("[Service]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    assert verify_problems([unit]) == []
