#!/usr/bin/env bash
# Install newsmon as a systemd service, from this checkout.
#
#   sudo make install-service        (or: sudo deploy/install.sh)
#   deploy/install.sh --dry-run      print every step, change nothing
#
# Safe to run again: it upgrades the code in /opt/newsmon/venv and the unit files, restarts
# what was running, and never overwrites /etc/newsmon/monitor.toml or apprise.yml.
#
# Environment: PYTHON (default python3, must be 3.11 or newer) builds the venv. DESTDIR
# installs into a staging root instead of /, for packaging and tests; systemctl is not
# touched then, because the units there are not the live system's.
set -euo pipefail
# Whatever the caller's umask, the venv and config must be readable by the service's
# dynamic user; apprise.yml gets its own 0600 below.
umask 022

usage() {
    sed -n '2,12s/^# \{0,1\}//p' "$0"
}

dry_run=0
for arg in "$@"; do
    case "$arg" in
        -n | --dry-run) dry_run=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "install.sh: unknown option '$arg'" >&2; usage >&2; exit 2 ;;
    esac
done

src="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
root="${DESTDIR:-}"
python="${PYTHON:-python3}"
# These paths are written into the unit files too; change them there as well.
venv=/opt/newsmon/venv
etc=/etc/newsmon
unitdir=/etc/systemd/system
units=(newsmon.service newsmon-datasette.service)
credentials_line='apprise_config = "${CREDENTIALS_DIRECTORY:-/etc/newsmon}/apprise.yml"'

step() { printf '==> %s\n' "$*"; }
note() { printf '    %s\n' "$*"; }
# Show a command, then run it unless this is a dry run.
run() {
    printf '    $'
    printf ' %q' "$@"
    printf '\n'
    if [ "$dry_run" = 0 ]; then "$@"; fi
}

if [ "$dry_run" = 1 ]; then
    step "dry run: nothing is changed"
elif [ -z "$root" ] && [ "$(id -u)" != 0 ]; then
    echo "install.sh: run as root: sudo make install-service (or --dry-run to see the steps)" >&2
    exit 1
fi

step "check $python is Python 3.11 or newer"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "install.sh: $python is missing or older than 3.11; set PYTHON=/path/to/python3.11" >&2
    [ "$dry_run" = 1 ] || exit 1
fi

step "create the virtual environment $venv"
if [ -x "$root$venv/bin/python" ]; then
    note "exists, kept"
else
    run install -d -m 0755 "$root${venv%/*}"
    run "$python" -m venv "$root$venv"
fi

step "pip install this checkout ($src) into $venv"
# From a copy: pip builds in the source tree, and a root-owned build/ or egg-info left in
# someone's checkout breaks their next `make`.
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
run tar -C "$src" --exclude=./.git --exclude=./.venv --exclude=./data --exclude=./build \
    --exclude='*.egg-info' --exclude=__pycache__ --exclude=.pytest_cache --exclude=.ruff_cache \
    -cf "$stage/src.tar" .
run tar -C "$stage" -xf "$stage/src.tar"
run rm "$stage/src.tar"
# --force-reinstall --no-deps replaces newsmon even when its version number did not change;
# the second install brings its dependencies up to what pyproject.toml asks for.
run "$root$venv/bin/python" -m pip install --quiet --no-deps --force-reinstall "$stage"
run "$root$venv/bin/python" -m pip install --quiet "$stage"

step "configuration directory $etc"
run install -d -m 0755 "$root$etc"

step "config: $etc/monitor.toml (copied only if absent, never overwritten)"
if [ -e "$root$etc/monitor.toml" ]; then
    note "exists, kept"
else
    run install -m 0644 "$src/config/monitor.toml" "$root$etc/monitor.toml"
    # The service reads the apprise file from its private credentials directory; from a root
    # shell the same line falls back to /etc/newsmon, so `newsmon config check` works there too.
    if grep -q '^[[:space:]]*apprise_config[[:space:]]*=' "$src/config/monitor.toml"; then
        note "apprise_config is set in config/monitor.toml; left as it is"
    else
        note "point [notify] apprise_config at the service's credential:"
        run sed -i "0,/^#[[:space:]]*apprise_config[[:space:]]*=.*/s||$credentials_line|" \
            "$root$etc/monitor.toml"
    fi
fi

step "secrets: $etc/apprise.yml, mode 0600 root (copied only if absent, never overwritten)"
if [ -e "$root$etc/apprise.yml" ]; then
    note "exists, kept"
else
    # install(1) writes the copy owner-only from the start: no moment when others can read it.
    run install -m 0600 "$src/config/apprise.example.yml" "$root$etc/apprise.yml"
fi

step "Datasette metadata: $etc/datasette.yml (replaced: its queries follow the schema)"
# Canned queries, titles and facets for `newsmon serve` (see newsmon-datasette.service).
run install -m 0644 "$src/deploy/datasette.yml" "$root$etc/datasette.yml"

step "systemd units into $unitdir (replaced: local changes belong in drop-ins)"
run install -d -m 0755 "$root$unitdir"
for unit in "${units[@]}"; do
    run install -m 0644 "$src/deploy/$unit" "$root$unitdir/$unit"
done

step "check the installed config"
# As the service will see it: the credential directory holds apprise.yml.
run env "CREDENTIALS_DIRECTORY=$root$etc" NEWSMON_DB=/var/lib/newsmon/monitor.db \
    "$root$venv/bin/newsmon" --config "$root$etc/monitor.toml" config check

if [ -n "$root" ]; then
    step "systemctl daemon-reload, enable --now: skipped (DESTDIR=$root is not the live system)"
else
    step "systemctl daemon-reload, then enable --now ${units[*]}"
    was_active=()
    for unit in "${units[@]}"; do
        if systemctl is-active --quiet "$unit" 2>/dev/null; then was_active+=("$unit"); fi
    done
    run systemctl daemon-reload
    run systemctl enable --now "${units[@]}"
    if [ "${#was_active[@]}" -gt 0 ]; then
        step "restart what was already running, so it runs the new code"
        run systemctl restart "${was_active[@]}"
    fi
fi

step "done"
if [ -e "$root$etc/apprise.yml" ] && cmp -s "$src/config/apprise.example.yml" "$root$etc/apprise.yml"; then
    note "$etc/apprise.yml is still the example: put your targets in it, then"
    note "  systemctl restart newsmon"
fi
note "status:    systemctl status newsmon; journalctl -u newsmon -f"
note "datasette: http://127.0.0.1:8001/ (ssh -L 8001:127.0.0.1:8001 this-host)"
