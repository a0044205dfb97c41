#!/usr/bin/env bash
# Builds the Prometheus (+promtool), Alertmanager (+amtool) and node-exporter that the image ships,
# at the versions docker/Dockerfile pins (its *_IMAGE build arguments are the one source of truth),
# from their Go modules, with their web UIs built from the same source with npm. Binaries are cached
# outside the repository, keyed by version, so a second run only prints where they are:
#
#   docker/components/build.sh            build what is missing, then print NAME=VALUE lines
#   docker/components/build.sh --print    only print (exit 3 if something is not built yet)
#
# Output (stdout), one per line: PROMETHEUS_VERSION, ALERTMANAGER_VERSION, NODE_EXPORTER_VERSION,
# GRAFANA_VERSION, PROMETHEUS_BIN, PROMTOOL_BIN, ALERTMANAGER_BIN, AMTOOL_BIN, NODE_EXPORTER_BIN.
# Progress goes to stderr. Cache: $ECS_APPLIANCE_COMPONENTS_CACHE, else ~/.cache/ecs-appliance/components.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dockerfile=$here/../Dockerfile
cache=${ECS_APPLIANCE_COMPONENTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/ecs-appliance/components}
mode=${1:-build}
PNPM_FALLBACK_OVERRIDES=${PNPM_FALLBACK_OVERRIDES:-@mantine/code-highlight=9.6.2}

say() { printf '[components] %s\n' "$*" >&2; }

# ARG PROMETHEUS_IMAGE=prom/prometheus:v3.16.0 → 3.16.0
pinned() {
  local version
  version=$(sed -n "s/^ARG $1=[^:]*:v\{0,1\}\([0-9][0-9.]*\)\$/\1/p" "$dockerfile")
  [ -n "$version" ] || { say "no 'ARG $1=image:version' in $dockerfile"; exit 2; }
  printf '%s' "$version"
}

prometheus_version=$(pinned PROMETHEUS_IMAGE)
alertmanager_version=$(pinned ALERTMANAGER_IMAGE)
node_exporter_version=$(pinned NODE_EXPORTER_IMAGE)
grafana_version=$(pinned GRAFANA_IMAGE)

prometheus_dir=$cache/prometheus-$prometheus_version
alertmanager_dir=$cache/alertmanager-$alertmanager_version
node_exporter_dir=$cache/node_exporter-$node_exporter_version

# Prometheus 3.X.Y is published as Go module version v0.3XX.Y.
prometheus_module_version() {
  local major minor patch
  IFS=. read -r major minor patch <<<"$1"
  printf 'v0.%d%02d.%d' "$major" "$minor" "$patch"
}

# A writable copy of a module at a version (module zips are read-only and Prometheus's go.mod has
# a replace directive, which `go install module@version` refuses).
module_copy() {
  local module=$1 version=$2 into=$3 dir
  dir=$(GOFLAGS=-mod=mod go mod download -json "$module@$version" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')
  [ -d "$dir" ] || { say "go mod download $module@$version gave no directory"; exit 1; }
  cp -r "$dir" "$into"
  chmod -R u+w "$into"
}

go_build() {
  local src=$1 version=$2 tags=$3 out=$4 pkg=$5
  (cd "$src" && GOWORK=off CGO_ENABLED=0 go build -trimpath -tags "$tags" -o "$out" \
    -ldflags "-s -w -X github.com/prometheus/common/version.Version=$version -X github.com/prometheus/common/version.Revision=v$version -X github.com/prometheus/common/version.Branch=HEAD -X github.com/prometheus/common/version.BuildUser=ecs-appliance -X github.com/prometheus/common/version.BuildDate=$(date -u +%Y%m%d-%H:%M:%S)" \
    "$pkg")
}

# Builds each NAME=PACKAGE of the module copy at $1 and moves the binaries into $4 together, so a
# cache entry appears only whole.
build_into() {
  local src=$1 version=$2 tags=$3 dest=$4 out
  shift 4
  out=$(dirname "$src")/out
  mkdir -p "$out" "$dest"
  for target in "$@"; do go_build "$src" "$version" "$tags" "$out/${target%%=*}" "${target#*=}"; done
  for target in "$@"; do mv "$out/${target%%=*}" "$dest/"; done
}

# The first line of `--version` must name the pinned version: a cache entry is trusted only then.
built() {
  local binary=$1 version=$2
  [ -x "$binary" ] && "$binary" --version 2>&1 | head -1 | grep -q "version $version "
}

build_prometheus() {
  local work=$1 src=$1/prometheus
  say "prometheus $prometheus_version: module $(prometheus_module_version "$prometheus_version")"
  module_copy github.com/prometheus/prometheus "$(prometheus_module_version "$prometheus_version")" "$src"
  # The web UI (React/Mantine) is not in the Go module's build output: build it as upstream's
  # `make assets-compress` does, then embed it with the builtinassets tag like release builds.
  say "prometheus $prometheus_version: web UI (pnpm, vite)"
  local pnpm=(npx --yes "pnpm@${PNPM_VERSION:-10}")
  if ! (cd "$src/web/ui" && "${pnpm[@]}" install --frozen-lockfile --reporter=silent >&2); then
    # The npm registry these machines reach lacks some exact versions the lock file names (it
    # answers 404 for @mantine/code-highlight 9.7.2): resolve those to the nearest one it serves.
    say "prometheus $prometheus_version: locked install failed; retrying with $PNPM_FALLBACK_OVERRIDES"
    printf '\noverrides:\n' >>"$src/web/ui/pnpm-workspace.yaml"
    for override in $PNPM_FALLBACK_OVERRIDES; do
      printf "  '%s': %s\n" "${override%=*}" "${override##*=}" >>"$src/web/ui/pnpm-workspace.yaml"
    done
    (cd "$src/web/ui" && "${pnpm[@]}" install --no-frozen-lockfile --reporter=silent >&2)
  fi
  (cd "$src/web/ui" && CI= "${pnpm[@]}" run build:mantine-ui >&2)
  (cd "$src" && bash scripts/compress_assets.sh >&2)
  say "prometheus $prometheus_version: go build"
  build_into "$src" "$prometheus_version" netgo,builtinassets "$prometheus_dir" prometheus=./cmd/prometheus promtool=./cmd/promtool
}

build_alertmanager() {
  local work=$1 src=$1/alertmanager
  say "alertmanager $alertmanager_version: module"
  module_copy github.com/prometheus/alertmanager "v$alertmanager_version" "$src"
  # Upstream embeds ui/app/dist, built from Elm; the Elm compiler fetches its packages from
  # package.elm-lang.org, which is out of reach here. The same source tree carries Alertmanager's
  # React UI (ui/mantine-ui, same API), so that is built into ui/app/dist instead, compressed the
  # way ui/web.go serves it: text assets only as .gz and .br, as upstream's vite build leaves them.
  say "alertmanager $alertmanager_version: web UI (npm, vite)"
  (cd "$src/ui/mantine-ui" && npm ci --no-audit --no-fund --loglevel=error >&2 && npx vite build --logLevel warn >&2)
  rm -rf "$src/ui/app/dist"
  cp -r "$src/ui/mantine-ui/dist" "$src/ui/app/dist"
  node -e '
    const fs = require("fs"), path = require("path"), zlib = require("zlib");
    const compressed = /\.(html|js|css|svg|ico|ttf|eot)$/;
    const walk = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.isDirectory() ? walk(path.join(dir, e.name)) : [path.join(dir, e.name)]);
    for (const file of walk(process.argv[1]).filter((f) => compressed.test(f))) {
      const body = fs.readFileSync(file);
      fs.writeFileSync(file + ".gz", zlib.gzipSync(body, { level: 9 }));
      fs.writeFileSync(file + ".br", zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
      fs.unlinkSync(file);
    }' "$src/ui/app/dist"
  say "alertmanager $alertmanager_version: go build"
  build_into "$src" "$alertmanager_version" netgo "$alertmanager_dir" alertmanager=./cmd/alertmanager amtool=./cmd/amtool
}

build_node_exporter() {
  local work=$1 src=$1/node_exporter
  say "node_exporter $node_exporter_version: module and go build"
  module_copy github.com/prometheus/node_exporter "v$node_exporter_version" "$src"
  build_into "$src" "$node_exporter_version" netgo "$node_exporter_dir" node_exporter=.
}

missing=()
{ built "$prometheus_dir/prometheus" "$prometheus_version" && built "$prometheus_dir/promtool" "$prometheus_version"; } || missing+=(prometheus)
{ built "$alertmanager_dir/alertmanager" "$alertmanager_version" && built "$alertmanager_dir/amtool" "$alertmanager_version"; } || missing+=(alertmanager)
built "$node_exporter_dir/node_exporter" "$node_exporter_version" || missing+=(node_exporter)

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$mode" = --print ]; then say "not built yet: ${missing[*]} (run $0)"; exit 3; fi
  command -v go >/dev/null || { say "no Go toolchain: cannot build ${missing[*]}"; exit 4; }
  for name in "${missing[@]}"; do
    work=$(mktemp -d "/tmp/ecs-appliance-build-$name.XXXXXX")
    started=$SECONDS
    "build_$name" "$work"
    chmod -R u+w "$work" && rm -rf "$work"
    say "$name built in $((SECONDS - started)) s"
  done
fi

cat <<OUT
PROMETHEUS_VERSION=$prometheus_version
ALERTMANAGER_VERSION=$alertmanager_version
NODE_EXPORTER_VERSION=$node_exporter_version
GRAFANA_VERSION=$grafana_version
PROMETHEUS_BIN=$prometheus_dir/prometheus
PROMTOOL_BIN=$prometheus_dir/promtool
ALERTMANAGER_BIN=$alertmanager_dir/alertmanager
AMTOOL_BIN=$alertmanager_dir/amtool
NODE_EXPORTER_BIN=$node_exporter_dir/node_exporter
OUT
