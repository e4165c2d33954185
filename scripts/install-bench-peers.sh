#!/usr/bin/env bash
# Installs the benchmark peers that ship native binaries per platform, dbmate and squawk, into
# .bench-peers/, outside the project's dependencies: a lock file can only hold the platforms the registry
# it was made from serves, and `npm ci` refuses a lock missing the others. `npm run bench` runs this.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=".bench-peers"
if [ -x "${dir}/node_modules/.bin/dbmate" ] && [ -x "${dir}/node_modules/.bin/squawk" ]; then exit 0; fi
mkdir -p "${dir}"
echo '{ "private": true }' > "${dir}/package.json"
npm install --prefix "${dir}" --no-save --no-package-lock --no-audit --no-fund dbmate@2.36.0 squawk-cli@2.66.0 >/dev/null
