// npm run seal:teachers: records the size and SHA-256 of each committed teacher's files
// (model.json and its weights) in its metadata.json, which every load then checks.
// `npm run train:teachers` seals what it writes; this re-seals files changed by hand.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DATASET_IDS } from '../src/data/load';
import { fileSeals, teacherDirectory, teacherMetadataSchema } from '../src/models/teacher';

for (const dataset of DATASET_IDS) {
  const dir = join('public', teacherDirectory(dataset));
  const raw = JSON.parse(readFileSync(join(dir, 'metadata.json'), 'utf8'));
  const modelText = readFileSync(join(dir, 'model.json'));
  const weightPaths: string[] = JSON.parse(modelText.toString('utf8')).weightsManifest.flatMap((g: { paths: string[] }) => g.paths);
  const files = await fileSeals(
    Object.fromEntries([['model.json', new Uint8Array(modelText)], ...weightPaths.map((p) => [p, new Uint8Array(readFileSync(join(dir, p)))])]),
  );
  // Key order kept readable: files before the probe.
  const { probe, ...rest } = raw;
  const metadata = teacherMetadataSchema.parse({ ...rest, files, probe });
  writeFileSync(join(dir, 'metadata.json'), `${JSON.stringify(metadata, null, 2)}\n`);
  console.log(
    `${dir}: ${Object.entries(files)
      .map(([name, f]) => `${name} ${f.bytes.toLocaleString('en')} bytes, SHA-256 ${f.sha256.slice(0, 12)}…`)
      .join('; ')}`,
  );
}
