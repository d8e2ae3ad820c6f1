// npm run perf:doc [-- --take first-minute,first-minute-to-end,loss,trainer-node,trainer-chromium,soak]: docs/perf.md from the benchmark
// records in docs/perf/. `--take` first copies those records from bench-results/ (where the
// benchmarks write them), each checked, so a run of a benchmark reaches the page in one step.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { parseRecord, PERF_RECORDS, readPerfRecords, renderPerfDoc, type RecordName } from './lib/perf-doc';

const DIR = 'docs/perf';
const i = process.argv.indexOf('--take');
const take = i >= 0 ? (process.argv[i + 1] ?? '').split(',').filter(Boolean) : [];
mkdirSync(DIR, { recursive: true });
for (const name of take) {
  if (!(name in PERF_RECORDS)) throw new Error(`--take: "${name}" is not one of ${Object.keys(PERF_RECORDS).join(', ')}`);
  const from = `bench-results/${name}.json`;
  if (!existsSync(from)) throw new Error(`--take ${name}: ${from} does not exist (run the benchmark first)`);
  parseRecord(name as RecordName, from, JSON.parse(readFileSync(from, 'utf8')));
  copyFileSync(from, `${DIR}/${name}.json`);
  console.log(`took ${from} → ${DIR}/${name}.json`);
}
writeFileSync('docs/perf.md', renderPerfDoc(readPerfRecords(DIR)));
console.log('wrote docs/perf.md');
