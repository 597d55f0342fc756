#!/usr/bin/env bash
# Runs the compiled end-to-end suite and the Nest-layer unit specs against Nest 11.
# The compiled output (../../dist, built by `npm test` against Nest 12) is copied here so that
# its bare imports of @nestjs/* resolve to this folder's node_modules (Nest 11, CommonJS).
set -euo pipefail
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
rm -rf dist test sample README.md
cp -r ../../dist ./dist
# Fixtures (.proto files), the sample's proto and the README are read from <cwd> at run time.
ln -s ../../test test
ln -s ../../sample sample
ln -s ../../README.md README.md
echo "Nest $(node -p "require('@nestjs/core/package.json').version") / microservices $(node -p "require('@nestjs/microservices/package.json').version")"
node ../../scripts/run-tests.mjs dist/test/e2e dist/lib/nest
