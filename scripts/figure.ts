// npm run figure -- FILE.json [FILE.json …]: remakes a study's table (.md) and figure
// (.svg) from its stored JSON (written by `npm run study`), without training anything.
import { readFileSync } from 'node:fs';
import { renderStudy, type Study } from './lib/study-render';

const files = process.argv.slice(2);
if (!files.length) {
  console.error('usage: npm run figure -- FILE.json [FILE.json …] (a study written by npm run study)');
  process.exit(2);
}
for (const file of files) {
  let study: Study;
  try {
    study = JSON.parse(readFileSync(file, 'utf8'));
    if (!study.vary || !Array.isArray(study.results) || !study.results.length) throw new Error('no "vary" or no "results"');
  } catch (error) {
    console.error(`${file} is not a study: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(2);
  }
  console.log(`${file}: wrote ${renderStudy(study, file).files.join(', ')}`);
}
