#!/usr/bin/env bash
# Runs the compiled end-to-end suite and the Nest-layer unit specs against Nest 11.
# The compiled output (../../dist, built by `npm test` against Nest 12) is copied here so that
# its bare imports of @nestjs/* resolve to this folder's node_modules (Nest 11, CommonJS).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
rm -rf dist test
cp -r ../../dist ./dist
# Fixtures (.proto files, TLS material) are read from <cwd>/test at run time.
ln -s ../../test test
echo "Nest $(node -p "require('@nestjs/core/package.json').version") / microservices $(node -p "require('@nestjs/microservices/package.json').version")"
node ../../scripts/run-tests.mjs dist/test/e2e dist/lib/nest
