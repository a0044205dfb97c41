#!/usr/bin/env bash
# Gets the programs the tests drive, run by `npm test` (pretest) on a fresh machine:
# - Prometheus (+promtool), Alertmanager (+amtool) and node-exporter at the versions the image
#   ships, built from their Go modules by docker/components/build.sh and cached outside the repo
#   (minutes the first time, nothing after). With no Go toolchain, Debian's packages instead.
# - chromium (headless, for the web UI checks) and cfn-lint (the CloudFormation template check),
#   from Debian and PyPI.
# Ends by saying which versions the tests run.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
say() { printf '[ensure-tools] %s\n' "$*"; }
tools_cache=${XDG_CACHE_HOME:-$HOME/.cache}/ecs-appliance

apt_install() {
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "tests need: $* (install them with: sudo apt-get install $*)" >&2
    exit 1
  fi
  say "installing $* from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

if command -v go >/dev/null 2>&1; then
  bash "$repo/docker/components/build.sh" >/dev/null
  versions=$(bash "$repo/docker/components/build.sh" --print)
  get() { sed -n "s/^$1=//p" <<<"$versions"; }
  say "tests run the shipped versions: Prometheus $(get PROMETHEUS_VERSION), Alertmanager $(get ALERTMANAGER_VERSION), node-exporter $(get NODE_EXPORTER_VERSION) (built from their Go modules)"
else
  need=()
  for pair in prometheus:prometheus promtool:prometheus prometheus-alertmanager:prometheus-alertmanager \
              amtool:prometheus-alertmanager prometheus-node-exporter:prometheus-node-exporter; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
  done
  [ ${#need[@]} -eq 0 ] || apt_install $(printf '%s\n' "${need[@]}" | sort -u)
  say "no Go toolchain: tests run Debian's $(prometheus --version 2>&1 | head -1), $(prometheus-alertmanager --version 2>&1 | head -1), $(prometheus-node-exporter --version 2>&1 | head -1)"
fi

command -v chromium >/dev/null 2>&1 || apt_install chromium

# cfn-lint from PyPI, in a virtualenv of its own outside the repo.
venv=$tools_cache/cfn-lint-venv
if [ ! -x "$venv/bin/cfn-lint" ]; then
  python3 -m venv "$venv" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$venv"; }
  say "installing cfn-lint from PyPI into $venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check cfn-lint
fi
