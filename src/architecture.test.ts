import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The rule of ARCHITECTURE.md, "Which folder may import which": the folders of src/ form
// layers, lowest first; a file may import from its own folder and from the layers below it,
// never above. Tests may import anything (they are where layers meet); no file that ships
// imports test support. Every import counts, type-only ones too, so the picture holds for
// a reader as well as for the bundler.
export const LAYERS = [
  'tf',
  'data',
  'kernels',
  'distill',
  'models',
  'stacked',
  'import',
  'train',
  'detect',
  'reproduce',
  'config',
  'lessons',
  'worker',
  'app',
  '.',
] as const;

const src = dirname(fileURLToPath(import.meta.url));

function sourceFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : sourceFiles(path);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The src/ folder of a path (`.` for a file at src/'s top). */
const folderOf = (path: string) => {
  const parts = relative(src, path).split('/');
  return parts.length > 1 ? parts[0] : '.';
};

/** Every import of `file` that points into src/: static, type-only, re-exports and dynamic ones. */
function importsOf(file: string, text = readFileSync(file, 'utf8')): { specifier: string; folder: string }[] {
  const { importedFiles } = ts.preProcessFile(text, true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({ specifier, target: normalize(join(dirname(file), specifier)) }))
    .filter(({ target }) => !relative(src, target).startsWith('..'))
    .map(({ specifier, target }) => ({ specifier, folder: folderOf(target) }));
}

/** What breaks the rule in `file` (its text read from disk unless given): imports from a layer above, and of test support. */
function violations(file: string, text?: string): string[] {
  const from = folderOf(file);
  if (/\.test\.tsx?$/.test(file) || from === 'test-support') return [];
  const broken: string[] = [];
  for (const { specifier, folder } of importsOf(file, text)) {
    if (folder === from) continue;
    if (folder === 'test-support') broken.push(`${relative(src, file)} imports test support (${specifier})`);
    else if (LAYERS.indexOf(folder as (typeof LAYERS)[number]) > LAYERS.indexOf(from as (typeof LAYERS)[number])) {
      broken.push(`${relative(src, file)} (${from}) imports ${specifier} (${folder}, a layer above)`);
    }
  }
  return broken;
}

describe('the layers of src/', () => {
  const files = sourceFiles(src);

  it('names every folder of src/ in a layer, or as test support', () => {
    const folders = new Set(files.map(folderOf));
    const unknown = [...folders].filter((f) => f !== 'test-support' && !(LAYERS as readonly string[]).includes(f));
    expect(unknown).toEqual([]);
    expect(folders.size).toBeGreaterThan(10);
  });

  it('imports only from its own layer or the ones below, and ships no test support', () => {
    expect(files.flatMap((file) => violations(file))).toEqual([]);
  });

  it('catches an import upwards, a dynamic or type-only one too, and test support; passes one downwards', () => {
    // The detector itself, on made-up files of the data layer.
    const fake = join(src, 'data', 'fake.ts');
    expect(violations(fake, "import { useSession } from '../app/store/session-store';")).toEqual([
      'data/fake.ts (data) imports ../app/store/session-store (app, a layer above)',
    ]);
    expect(violations(fake, "const m = await import('../worker/api');\nimport type { X } from '../config/types';")).toHaveLength(2);
    expect(violations(fake, "import { x } from '../test-support/python';")).toEqual(['data/fake.ts imports test support (../test-support/python)']);
    expect(violations(fake, "import { y } from '../tf/backends';\nimport { z } from './text';")).toEqual([]);
    // A test file may import anything.
    expect(violations(join(src, 'data', 'fake.test.ts'), "import { useSession } from '../app/store/session-store';")).toEqual([]);
  });
});
