#!/usr/bin/env bash
# Installs the real programs the tests drive, from Debian, when they are missing: Prometheus and
# promtool, Alertmanager and amtool, node-exporter. Run by `npm test` (pretest) on a fresh machine.
set -euo pipefail
need=()
for pair in prometheus:prometheus promtool:prometheus prometheus-alertmanager:prometheus-alertmanager \
            amtool:prometheus-alertmanager prometheus-node-exporter:prometheus-node-exporter; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
[ ${#need[@]} -eq 0 ] && exit 0
packages=$(printf '%s\n' "${need[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "tests need: $packages(install them with: sudo apt-get install $packages)" >&2
  exit 1
fi
echo "installing $packages from Debian for the tests"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $packages >/dev/null
