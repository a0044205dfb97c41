#!/usr/bin/env bash
# Proves the image: builds the real docker/Dockerfile unchanged (its base images replaced by local
# stand-ins holding the pinned versions built from their Go modules, since no image registry is reachable), boots it with
# `--network host` against the fake AWS (ECS, EC2, STS and S3 on the host's loopback) with
# CONFIG_LOCATION=s3://…, checks it from the host, then `docker stop`s it within the stop budget.
#
#   sudo docker/test-image.sh          (CI: bash docker/test-image.sh, as root)
#
# It starts its own dockerd (data-root under /tmp, own socket, no iptables/bridge changes) and, on
# exit — success or failure — stops only that daemon, removes its data-root and restores the host's
# iptables rules, ip_forward and docker0 as they were. Prints a PASS/FAIL summary and the image size.
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
STOP_BUDGET=${STOP_BUDGET:-30}
BOOT_TIMEOUT=${BOOT_TIMEOUT:-120}
IMAGE=ecs-appliance:ci-image-test
CONTAINER=ecs-appliance-ci-image-test
DOCKER=/usr/bin/docker

results=()
failures=0
pass() { results+=("PASS  $1"); printf '[image-test] PASS %s\n' "$1"; }
fail() { results+=("FAIL  $1"); failures=$((failures + 1)); printf '[image-test] FAIL %s\n' "$1" >&2; }
say() { printf '[image-test] %s\n' "$*"; }
image_size=unknown

summary() {
  local passed=$(( ${#results[@]} - failures ))
  echo
  echo "================ docker/test-image.sh ================"
  printf '%s\n' "${results[@]}"
  echo "image: $IMAGE  size: $image_size"
  echo "======================================================"
  echo "$passed passed, $failures failed"
}

[ "$(id -u)" = 0 ] || { echo "docker/test-image.sh must run as root (it starts its own dockerd)" >&2; exit 1; }

# ---- tools ---------------------------------------------------------------------------------------
need=()
for pair in /usr/sbin/dockerd:docker.io $DOCKER:docker.io /usr/sbin/debootstrap:debootstrap /usr/bin/curl:curl \
            /usr/sbin/iptables-save:iptables /usr/bin/docker-compose:docker-compose; do
  [ -x "${pair%%:*}" ] || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  say "installing $(printf '%s\n' "${need[@]}" | sort -u | tr '\n' ' ')"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $(printf '%s\n' "${need[@]}" | sort -u) ca-certificates >/dev/null
fi
[ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error

# ---- host state, and putting it back -------------------------------------------------------------
snapshot_dir=$(mktemp -d /tmp/ecs-appliance-image-test-host.XXXXXX)
iptables-save >"$snapshot_dir/iptables.v4" 2>/dev/null || true
ip6tables-save >"$snapshot_dir/iptables.v6" 2>/dev/null || true
ip_forward_before=$(cat /proc/sys/net/ipv4/ip_forward)
docker0_before=no
ip link show docker0 >/dev/null 2>&1 && docker0_before=yes

work=$(mktemp -d /tmp/ecs-appliance-image-test.XXXXXX)
export DOCKER_HOST="unix://$work/docker.sock"
export DOCKER_BUILDKIT=1
dockerd_pid=
fixture_pid=

restore_network() {
  # The daemon runs with --iptables=false --ip-forward=false --bridge=none, so nothing should have
  # changed; this puts the host back even if something did.
  local rules
  for rules in v4:iptables v6:ip6tables; do
    local file="$snapshot_dir/iptables.${rules%%:*}" tool=${rules#*:}
    if [ -s "$file" ] && ! diff -q <("$tool-save" | grep -v '^[#:]') <(grep -v '^[#:]' "$file") >/dev/null; then
      say "restoring $tool rules"
      "$tool-restore" <"$file"
    fi
  done
  [ "$(cat /proc/sys/net/ipv4/ip_forward)" = "$ip_forward_before" ] || echo "$ip_forward_before" >/proc/sys/net/ipv4/ip_forward
  if [ "$docker0_before" = no ] && ip link show docker0 >/dev/null 2>&1; then ip link delete docker0; fi
}

cleanup() {
  local status=$?
  set +e
  if [ -n "$dockerd_pid" ]; then
    $DOCKER rm -f -v "$CONTAINER" >/dev/null 2>&1
    kill -TERM "$dockerd_pid" 2>/dev/null
    for _ in $(seq 1 60); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$dockerd_pid" 2>/dev/null
    wait "$dockerd_pid" 2>/dev/null
  fi
  if [ -n "$fixture_pid" ]; then
    kill -TERM "$fixture_pid" 2>/dev/null
    wait "$fixture_pid" 2>/dev/null
  fi
  # Mounts the daemon may have left behind (overlay layers, shm), deepest first.
  awk -v root="$work/" 'index($2, root) == 1 {print $2}' /proc/mounts | sort -r | while read -r mount; do umount -l "$mount"; done
  rm -rf "$work"
  restore_network
  rm -rf "$snapshot_dir"
  [ ${#results[@]} -gt 0 ] && summary
  [ "$status" = 0 ] && [ "$failures" -gt 0 ] && status=1
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- engine --------------------------------------------------------------------------------------
start_dockerd() {
  /usr/sbin/dockerd --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/dockerd.pid" \
    -H "$DOCKER_HOST" --iptables=false --ip6tables=false --ip-forward=false --bridge=none "$@" \
    >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  for _ in $(seq 1 120); do
    $DOCKER info >/dev/null 2>&1 && return 0
    kill -0 "$dockerd_pid" 2>/dev/null || break
    sleep 0.25
  done
  kill -TERM "$dockerd_pid" 2>/dev/null; wait "$dockerd_pid" 2>/dev/null; dockerd_pid=
  return 1
}
if start_dockerd || { say "dockerd refused the defaults; retrying with --storage-driver=vfs"; start_dockerd --storage-driver=vfs; }; then
  pass "dockerd started ($($DOCKER info --format '{{.ServerVersion}}, {{.Driver}}'))"
else
  tail -20 "$work/dockerd.log" >&2
  fail "dockerd did not start"
  exit 1
fi

# ---- compose file --------------------------------------------------------------------------------
if compose_out=$(docker-compose -f docker-compose.yml config -q 2>&1); then
  pass "docker-compose.yml is valid (docker-compose config)"
else
  echo "$compose_out" >&2
  fail "docker-compose.yml is valid (docker-compose config)"
fi

# ---- build ---------------------------------------------------------------------------------------
standin_args=$(DOCKER=$DOCKER docker/standins/build.sh | tail -1)
pass "stand-in base images built"
build_started=$(date +%s)
ca_secret=()
[ -s /etc/ssl/certs/ca-certificates.crt ] && ca_secret=(--secret id=ca,src=/etc/ssl/certs/ca-certificates.crt)
# shellcheck disable=SC2086 # the stand-in build args are one flag list
if $DOCKER build --network host --progress=plain -f docker/Dockerfile -t "$IMAGE" "${ca_secret[@]}" $standin_args \
     --build-arg REVISION="$(git rev-parse HEAD 2>/dev/null || echo unknown)" --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
     . >"$work/build.log" 2>&1; then
  pass "docker/Dockerfile built unchanged with stand-in base images ($(( $(date +%s) - build_started ))s)"
else
  tail -40 "$work/build.log" >&2
  fail "docker/Dockerfile built unchanged with stand-in base images"
  exit 1
fi
image_size=$($DOCKER image inspect "$IMAGE" --format '{{.Size}}' | awk '{printf "%.0f MB (%d bytes)", $1/1000000, $1}')

inspect() { $DOCKER image inspect "$IMAGE" --format "$1"; }
[ "$(inspect '{{.Config.User}}')" = "appliance:appliance" ] && pass "runs as the non-root user appliance" || fail "runs as the non-root user appliance"
[ "$(inspect '{{index .Config.Entrypoint 0}}')" = "/usr/bin/tini" ] && pass "tini is PID 1 (entrypoint)" || fail "tini is PID 1 (entrypoint)"
[ -n "$(inspect '{{if .Config.Healthcheck}}{{.Config.Healthcheck.Test}}{{end}}')" ] && pass "has a HEALTHCHECK" || fail "has a HEALTHCHECK"
[ -n "$(inspect '{{index .Config.Labels "org.opencontainers.image.revision"}}')" ] && pass "carries OCI labels" || fail "carries OCI labels"
inspect '{{json .Config.Volumes}}' | grep -q '"/data"' && pass "declares the /data volume" || fail "declares the /data volume"
if $DOCKER run --rm --network none --entrypoint sh "$IMAGE" -c \
     'test ! -e /app/node_modules/typescript && test ! -e /app/node_modules/tsx && test ! -e /app/node_modules/@ecs-appliance/fake-aws && test ! -e /app/dist/test && test -z "$(find /app/dist /app/supervisor -name "*.ts" -o -name "*.map" | head -1)" && test -d /app/templates && test -d /app/supervisor/config/default-bundle && /bin/prometheus --version && /bin/alertmanager --version && /bin/node_exporter --version && /usr/share/grafana/bin/grafana --version' \
     >"$work/contents.log" 2>&1; then
  pass "holds the binaries and no dev dependencies, sources or source maps"
else
  cat "$work/contents.log" >&2
  fail "holds the binaries and no dev dependencies, sources or source maps"
fi

demo_status=0
demo_out=$($DOCKER run --rm --network none "$IMAGE" demo 2>&1) || demo_status=$?
if [ "$demo_status" = 1 ] && grep -q 'needs the @ecs-appliance/fake-aws package' <<<"$demo_out"; then
  pass "'ecs-appliance demo' exits 1 saying it needs a checkout (the image has no fake AWS)"
else
  echo "$demo_out" >&2
  fail "'ecs-appliance demo' exits 1 saying it needs a checkout (exit $demo_status)"
fi

image_versions=$($DOCKER run --rm --network none --entrypoint sh "$IMAGE" -c \
  '/bin/prometheus --version; /bin/alertmanager --version; /bin/node_exporter --version' 2>&1 |
  sed -n 's/^[a-z_]*, version \([^ ]*\) .*/\1/p' | paste -sd' ')
if shipped=$(bash docker/components/build.sh --print 2>/dev/null); then
  pinned=$(sed -n 's/^\(PROMETHEUS\|ALERTMANAGER\|NODE_EXPORTER\)_VERSION=//p' <<<"$shipped" | paste -sd' ')
  [ "$image_versions" = "$pinned" ] && pass "runs the pinned Prometheus, Alertmanager, node-exporter: $image_versions" ||
    fail "runs the pinned Prometheus, Alertmanager, node-exporter: $pinned (has: $image_versions)"
else
  say "no build of the pinned versions here; the stand-ins run Debian's: $image_versions"
fi

# ---- boot against the fake AWS -------------------------------------------------------------------
node --import tsx test/image/fixture.ts >"$work/fixture.json" 2>"$work/fixture.err" &
fixture_pid=$!
for _ in $(seq 1 80); do [ -s "$work/fixture.json" ] && break; sleep 0.25; done
[ -s "$work/fixture.json" ] || { cat "$work/fixture.err" >&2; fail "fake AWS started"; exit 1; }
field() { node -e 'const v = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8").split("\n")[0]); const f = process.argv[2].split(".").reduce((o, k) => o[k], v); console.log(Array.isArray(f) ? f.join(" ") : f)' "$work/fixture.json" "$1"; }
admin_port=$(field ports.admin); prometheus_port=$(field ports.prometheus); alertmanager_port=$(field ports.alertmanager); grafana_port=$(field ports.grafana)
pass "fake AWS (ECS, EC2, STS, S3) on $(field endpoint), bundle at $(field configLocation)"

$DOCKER run -d --name "$CONTAINER" --network host --stop-timeout "$STOP_BUDGET" \
  -e CONFIG_LOCATION="$(field configLocation)" -e AWS_ENDPOINT_URL="$(field endpoint)" -e AWS_REGION="$(field region)" \
  -e AWS_ACCESS_KEY_ID="$(field accessKeyId)" -e AWS_SECRET_ACCESS_KEY="$(field secretAccessKey)" \
  -e APPLIANCE_ADMIN_ADDR="127.0.0.1:$admin_port" -e GRAFANA_ADMIN_PASSWORD=ci-image-test-only -e LOG_LEVEL=info \
  "$IMAGE" >/dev/null

# Polls until the command succeeds: until $BOOT_TIMEOUT seconds after the container's start, and
# for at least 20 s per check, so one failure does not leave the checks after it no time.
boot_started=$(date +%s)
until_ok() {
  local deadline=$(( boot_started + BOOT_TIMEOUT ))
  [ "$deadline" -gt $(( $(date +%s) + 20 )) ] || deadline=$(( $(date +%s) + 20 ))
  while [ "$(date +%s)" -lt "$deadline" ]; do
    "$@" >/dev/null 2>&1 && return 0
    [ "$($DOCKER inspect -f '{{.State.Running}}' "$CONTAINER")" = true ] || return 1
    sleep 1
  done
  return 1
}
http_ok() { curl -fsS --max-time 3 "$1"; }
targets_up() {
  curl -fsS --max-time 3 "http://127.0.0.1:$prometheus_port/api/v1/targets?state=active" >"$work/targets.json" &&
    node -e '
      const active = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).data.activeTargets;
      const up = active.filter((t) => t.health === "up").map((t) => t.scrapeUrl);
      const missing = process.argv.slice(2).filter((address) => !up.some((url) => url.includes(`//${address}/`)));
      process.exit(missing.length === 0 ? 0 : 1);' "$work/targets.json" $(field targets)
}
docker_healthy() { [ "$($DOCKER inspect -f '{{.State.Health.Status}}' "$CONTAINER")" = healthy ]; }

until_ok http_ok "http://127.0.0.1:$admin_port/healthz" && pass "/healthz healthy ($(( $(date +%s) - boot_started ))s after start)" || fail "/healthz healthy"
until_ok http_ok "http://127.0.0.1:$prometheus_port/-/ready" && pass "Prometheus ready" || fail "Prometheus ready"
until_ok targets_up && pass "Prometheus scrapes both discovered ECS targets ($(field targets)) and they are up" || fail "Prometheus scrapes both discovered ECS targets"
until_ok http_ok "http://127.0.0.1:$alertmanager_port/-/ready" && pass "Alertmanager ready" || fail "Alertmanager ready"
until_ok http_ok "http://127.0.0.1:$grafana_port/api/health" && pass "Grafana (stand-in) answers /api/health" || fail "Grafana (stand-in) answers /api/health"
until_ok docker_healthy && pass "docker reports the container healthy (HEALTHCHECK)" || fail "docker reports the container healthy (HEALTHCHECK)"

# ---- stop ----------------------------------------------------------------------------------------
stop_started=$(date +%s.%N)
$DOCKER stop -t "$STOP_BUDGET" "$CONTAINER" >/dev/null
stop_seconds=$(awk -v a="$(date +%s.%N)" -v b="$stop_started" 'BEGIN{printf "%.1f", a-b}')
exit_code=$($DOCKER inspect -f '{{.State.ExitCode}}' "$CONTAINER")
if [ "$exit_code" = 0 ] && awk -v s="$stop_seconds" -v b="$STOP_BUDGET" 'BEGIN{exit !(s < b)}'; then
  pass "docker stop: exit 0 in ${stop_seconds}s (budget ${STOP_BUDGET}s)"
else
  fail "docker stop: exit $exit_code in ${stop_seconds}s (budget ${STOP_BUDGET}s)"
fi
if [ "$failures" -gt 0 ]; then
  # node-exporter logs its systemd and textfile collectors failing each scrape in a container.
  echo "---- container logs (last 150 lines, node-exporter collector noise left out) ----" >&2
  $DOCKER logs "$CONTAINER" 2>&1 | grep -v '"component":"node-exporter".*"collector' | tail -150 >&2
fi
