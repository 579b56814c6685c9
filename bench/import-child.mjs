// The measured side of bench/import.bench.ts, in its own process so that its peak RSS is the import's: plain `node`
// running dist/ as users run it (under tsx the process would also hold the TypeScript loader, ~60 MB of RSS that is
// not ours), or the sources through tsx when the package is not built.
// Usage: node bench/import-child.mjs <csv> <lakeDir> [module, default ../dist/index.js]
import { rm } from 'node:fs/promises';

const [csvPath, lakeDir, module = '../dist/index.js'] = process.argv.slice(2);
const { importFile, openLake } = await import(module);
await rm(lakeDir, { recursive: true, force: true });
const baseRssMb = process.memoryUsage().rss / 1048576;
const t0 = performance.now();
const r = await importFile(openLake(lakeDir), csvPath, { resume: false });
const ms = performance.now() - t0;
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify({ ms, rows: r.rowsWritten, files: r.filesWritten.length, maxRssMb, baseRssMb, dist: module.includes('dist') }));
