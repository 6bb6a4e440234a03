#!/usr/bin/env bash
# Installs what the osc4j tests run against, on Debian or Ubuntu: MariaDB (server and client), etcd (server and
# client), pt-online-schema-change with its MySQL driver, headless Chromium with its WebDriver (the dashboard's browser
# tests), tmux (the command line's pseudo-terminal test), HAProxy (the haproxy module's traffic switch) and Prometheus
# (HealthSignals.prometheus, LocalPrometheusIT). Safe to
# run again: it installs only what is missing, and runs `apt-get update` only when something is.
#
# The tests start their own servers from these binaries, in temporary directories on free loopback ports with
# --no-defaults (HAProxy with a configuration file of their own): a system-wide MariaDB, etcd or HAProxy service,
# running or not, is never used. So that installing does not start one either, a temporary /usr/sbin/policy-rc.d keeps
# the packages from starting services, and the services of the packages this script installed are disabled after, so
# that they do not start at the next boot either.
set -euo pipefail

PACKAGES=(mariadb-server mariadb-client etcd-server etcd-client percona-toolkit libdbd-mysql-perl chromium chromium-driver tmux haproxy prometheus)
# The binaries the testkit looks for, on PATH and in the sbin directories.
BINARIES=(mariadbd mariadb-install-db mariadb etcd etcdctl pt-online-schema-change chromium chromedriver tmux haproxy prometheus)
POLICY=/usr/sbin/policy-rc.d
# The system service each package brings, disabled when this script installed the package.
declare -A SERVICES=([mariadb-server]=mariadb [etcd-server]=etcd [haproxy]=haproxy [prometheus]=prometheus)

die() {
    echo "install-test-deps: $*" >&2
    exit 1
}

installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

find_binary() {
    local name=$1 dir
    if command -v "$name" >/dev/null 2>&1; then
        command -v "$name"
        return 0
    fi
    for dir in /usr/sbin /usr/local/sbin /sbin; do
        if [ -x "$dir/$name" ]; then
            echo "$dir/$name"
            return 0
        fi
    done
    return 1
}

command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 \
    || die "this script needs Debian or Ubuntu (dpkg and apt-get). Elsewhere install the equivalents of: ${PACKAGES[*]}"

missing=()
for package in "${PACKAGES[@]}"; do
    if installed "$package"; then
        echo "found    $package $(dpkg-query -W -f='${Version}' "$package")"
    else
        echo "missing  $package"
        missing+=("$package")
    fi
done

if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ]; then
        as_root=()
    elif command -v sudo >/dev/null 2>&1; then
        as_root=(sudo)
    else
        die "installing ${missing[*]} needs root: run this script as root or install sudo"
    fi
    run_as_root() {
        ${as_root[@]+"${as_root[@]}"} "$@"
    }

    created_policy=false
    remove_policy() {
        if [ "$created_policy" = true ]; then
            run_as_root rm -f "$POLICY" || echo "install-test-deps: could not remove $POLICY; remove it by hand" >&2
        fi
    }
    trap remove_policy EXIT
    if [ -e "$POLICY" ]; then
        echo "keeping  existing $POLICY"
    else
        printf '#!/bin/sh\n# Written by osc4j scripts/install-test-deps.sh for the duration of an installation.\nexit 101\n' \
            | run_as_root tee "$POLICY" >/dev/null || die "cannot write $POLICY"
        created_policy=true
        run_as_root chmod 755 "$POLICY" || die "cannot make $POLICY executable"
    fi

    echo "installing ${missing[*]}"
    run_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q \
        || die "apt-get update failed; check the network and the apt sources"
    run_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" \
        || die "apt-get install ${missing[*]} failed (see above)"

    for package in "${missing[@]}"; do
        service=${SERVICES[$package]:-}
        [ -n "$service" ] || continue
        # systemctl disable works without a running systemd (it edits the links, and the SysV ones through
        # systemd-sysv-install); update-rc.d is the fallback on a machine without systemd.
        if command -v systemctl >/dev/null 2>&1; then
            run_as_root systemctl disable "$service" >/dev/null 2>&1 \
                || echo "install-test-deps: could not disable the $service service; disable it by hand" >&2
        elif command -v update-rc.d >/dev/null 2>&1; then
            run_as_root update-rc.d "$service" disable >/dev/null 2>&1 \
                || echo "install-test-deps: could not disable the $service service; disable it by hand" >&2
        fi
        echo "disabled the system service $service (the tests start their own)"
    done
fi

absent=()
for binary in "${BINARIES[@]}"; do
    if path=$(find_binary "$binary"); then
        echo "binary   $binary -> $path"
    else
        absent+=("$binary")
    fi
done
[ "${#absent[@]}" -eq 0 ] || die "installed, but still not found on PATH or in the sbin directories: ${absent[*]}"

for service in mariadb etcd haproxy prometheus; do
    if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet "$service" 2>/dev/null; then
        echo "note     the system service $service is running; the tests do not use it (they start their own servers)"
    fi
done
echo "ready    everything the osc4j tests need is installed"
