// The measured side of bench/import.bench.ts when the package is built: plain `node` running dist/, as users run
// it (under tsx the process would also hold the TypeScript loader, ~60 MB of RSS that is not ours).
// Usage: node bench/import-child.mjs <csv> <lakeDir>
import { rm } from 'node:fs/promises';
import { importFile, openLake } from '../dist/index.js';

const [csvPath, lakeDir] = process.argv.slice(2);
await rm(lakeDir, { recursive: true, force: true });
const baseRssMb = process.memoryUsage().rss / 1048576;
const t0 = performance.now();
const r = await importFile(openLake(lakeDir), csvPath, { resume: false });
const ms = performance.now() - t0;
const maxRssMb = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify({ ms, rows: r.rowsWritten, files: r.filesWritten.length, maxRssMb, baseRssMb, dist: true }));
