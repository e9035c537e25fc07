#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Writes the secret files docker-compose.yml mounts, once: a random database password
# (db_password, for PostgreSQL's POSTGRES_PASSWORD_FILE) and the API's database URL holding it
# (database_url, for DATABASE_URL_FILE). Existing files are kept: the database keeps the password
# it was created with.
#
#   scripts/compose-secrets.sh [DIR]      (default: $FREEZER_SECRETS_DIR, else ./secrets)
set -euo pipefail
cd "$(dirname "$0")/.."

dir=${1:-${FREEZER_SECRETS_DIR:-./secrets}}
# The directory is the owner's alone; the files in it must be readable by the containers' own
# users (postgres, uid 10001), which see only the files, bind-mounted.
mkdir -p "$dir"
chmod 700 "$dir"
if [ -e "$dir/db_password" ] || [ -e "$dir/database_url" ]; then
  [ -s "$dir/db_password" ] && [ -s "$dir/database_url" ] || { echo "$dir holds one secret file of two; remove it or write the other" >&2; exit 1; }
  echo "kept the secret files in $dir"
  exit 0
fi
# hex: safe in a URL without escaping
password=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
(umask 022
  printf '%s\n' "$password" >"$dir/db_password"
  printf 'postgres://freezer:%s@db:5432/freezer\n' "$password" >"$dir/database_url")
echo "wrote $dir/db_password and $dir/database_url"
