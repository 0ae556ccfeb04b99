#!/usr/bin/env bash
# Install newsmon as a systemd service, from this checkout.
#
#   sudo make install-service        (or: sudo deploy/install.sh)
#   deploy/install.sh --dry-run      print every step, change nothing
#
# Safe to run again: it upgrades the code in /opt/newsmon/venv and the unit files, restarts
# what was running, and never overwrites /etc/newsmon/monitor.toml. It never writes
# /etc/newsmon/apprise.yml, the notification targets: until you do, alerts go to the journal.
#
# Environment: PYTHON (default python3, must be 3.11 or newer) builds the venv. DESTDIR
# installs into a staging root instead of /, for packaging and tests; systemctl is not
# touched then, because the units there are not the live system's.
set -euo pipefail
# Whatever the caller's umask, the venv and config must be readable by the service's
# dynamic user; apprise.yml gets its own 0600 below.
umask 022

usage() {
    sed -n '2,13s/^# \{0,1\}//p' "$0"
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
bindir=/usr/local/bin
units=(newsmon.service newsmon-datasette.service)
# The cluster roles (README, "Running on several machines"): installed, never enabled here. Which
# machine runs which role is the operator's choice: systemctl enable --now newsmon-crawler@1 ...
cluster_units=(newsmon-scheduler.service newsmon-writer.service newsmon-crawler@.service)

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
    # Its [notify] apprise_config stays commented out: no targets, so alerts go to the journal
    # and nothing is sent to the example's placeholder addresses.
fi

step "notification targets: $etc/apprise.yml.example (replaced; newsmon reads only apprise.yml)"
# Under a name newsmon never reads: the example's targets are placeholders. Owner-only from
# the start, as the copy made from it will hold tokens and passwords.
run install -m 0600 "$src/config/apprise.example.yml" "$root$etc/apprise.yml.example"
if [ -e "$root$etc/apprise.yml" ]; then
    note "$etc/apprise.yml exists, kept"
else
    note "no $etc/apprise.yml: alerts go to the journal until you write one (see the end)"
fi

step "Datasette metadata: $etc/datasette.yml (replaced: its queries follow the schema)"
# Canned queries, titles and facets for `newsmon serve` (see newsmon-datasette.service).
run install -m 0644 "$src/deploy/datasette.yml" "$root$etc/datasette.yml"

step "newsmonctl into $bindir: the CLI against the service's database, as its user"
run install -d -m 0755 "$root$bindir"
run install -m 0755 "$src/deploy/newsmonctl" "$root$bindir/newsmonctl"

step "systemd units into $unitdir (replaced: local changes belong in drop-ins)"
run install -d -m 0755 "$root$unitdir"
for unit in "${units[@]}" "${cluster_units[@]}"; do
    run install -m 0644 "$src/deploy/$unit" "$root$unitdir/$unit"
done
note "cluster units ${cluster_units[*]}: installed, not enabled"

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
    # Cluster roles someone enabled by hand run the old code too: restarted, still not enabled.
    while read -r unit _; do
        if [ -n "$unit" ]; then was_active+=("$unit"); fi
    done < <(systemctl list-units --state=active --plain --no-legend \
        newsmon-scheduler.service newsmon-writer.service 'newsmon-crawler@*.service' 2>/dev/null)
    run systemctl daemon-reload
    run systemctl enable --now "${units[@]}"
    if [ "${#was_active[@]}" -gt 0 ]; then
        step "restart what was already running, so it runs the new code"
        run systemctl restart "${was_active[@]}"
    fi
fi

step "done"
if [ ! -e "$root$etc/apprise.yml" ]; then
    note "alerts go to the journal (journalctl -u newsmon) until there are targets:"
    note "  install -m 0600 $etc/apprise.yml.example $etc/apprise.yml   # then edit it"
    note "  uncomment [notify] apprise_config in $etc/monitor.toml"
    note "  newsmonctl notify test; systemctl restart newsmon"
elif grep -q 'CHANGE-ME\|T00000000/B00000000' "$root$etc/apprise.yml"; then
    # An older install.sh copied the example to this name, placeholders and all.
    note "WARNING: $etc/apprise.yml still holds the example's placeholder targets: alerts"
    note "  sent there die. Put your own targets in it (or delete it and comment out"
    note "  [notify] apprise_config in $etc/monitor.toml), then systemctl restart newsmon"
fi
note "status:    systemctl status newsmon; journalctl -u newsmon -f"
note "the CLI:   sudo newsmonctl status   (any newsmon command, on the service's database)"
note "datasette: http://127.0.0.1:8001/ (ssh -L 8001:127.0.0.1:8001 this-host)"
