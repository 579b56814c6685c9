#!/usr/bin/env bash
# Packs the tarball, installs it into a temporary project and imports it both ways (ESM import, CJS require) and
# runs the CLI, on this machine's Node and on Node 24.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d dist ] || npm run -s build
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
tgz=$(npm pack --silent --pack-destination "$tmp" | tail -n 1)
cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund "./$tgz" >/dev/null
cat > esm.mjs <<'JS'
import { pipeline, toUtcMillis, isScalplakeError, Kline } from 'scalplake';
import * as sources from 'scalplake/sources';
import * as transforms from 'scalplake/transforms';
import * as sinks from 'scalplake/sinks';
import * as features from 'scalplake/features';
if (typeof pipeline !== 'function') throw new Error('pipeline missing');
if (toUtcMillis('2024-01-01 00:00:00') !== 1704067200000) throw new Error('toUtcMillis wrong');
if (!Kline.safeParse) throw new Error('Kline schema missing');
for (const [n, m] of Object.entries({ sources, transforms, sinks, features })) {
  if (Object.keys(m).length === 0) throw new Error(`subpath ${n} is empty`);
}
if (typeof isScalplakeError !== 'function') throw new Error('guard missing');
console.log('esm ok', process.version);
JS
cat > cjs.cjs <<'JS'
const { pipeline, toUtcMillis } = require('scalplake');
const sinks = require('scalplake/sinks');
const transforms = require('scalplake/transforms');
if (typeof pipeline !== 'function') throw new Error('pipeline missing');
if (toUtcMillis('1503014400.0') !== 1503014400000) throw new Error('toUtcMillis wrong');
if (Object.keys(sinks).length === 0 || Object.keys(transforms).length === 0) throw new Error('subpaths empty');
console.log('cjs ok', process.version);
JS
node esm.mjs
node cjs.cjs
./node_modules/.bin/scalplake --version
npx -y node@24 esm.mjs
npx -y node@24 cjs.cjs
npx -y node@24 ./node_modules/.bin/scalplake --version
echo "smoke ok"
