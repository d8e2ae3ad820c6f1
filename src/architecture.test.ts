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
function importsOf(file: string): { specifier: string; folder: string }[] {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return importedFiles
    .map((f) => f.fileName)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => ({ specifier, target: normalize(join(dirname(file), specifier)) }))
    .filter(({ target }) => !relative(src, target).startsWith('..'))
    .map(({ specifier, target }) => ({ specifier, folder: folderOf(target) }));
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
    const broken: string[] = [];
    for (const file of files) {
      const isTest = /\.test\.tsx?$/.test(file);
      const from = folderOf(file);
      if (isTest || from === 'test-support') continue;
      for (const { specifier, folder } of importsOf(file)) {
        if (folder === from) continue;
        if (folder === 'test-support') broken.push(`${relative(src, file)} imports test support (${specifier})`);
        else if (LAYERS.indexOf(folder as (typeof LAYERS)[number]) > LAYERS.indexOf(from as (typeof LAYERS)[number])) {
          broken.push(`${relative(src, file)} (${from}) imports ${specifier} (${folder}, a layer above)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('catches an import upwards', () => {
    // The check itself, on a made-up file of the data layer importing the page's store.
    const fake = join(src, 'data', 'fake.ts');
    const target = normalize(join(dirname(fake), '../app/store/session-store'));
    expect(folderOf(target)).toBe('app');
    expect(LAYERS.indexOf('app')).toBeGreaterThan(LAYERS.indexOf('data'));
    expect(importsOf(join(src, 'main.tsx')).some((i) => i.folder === 'app')).toBe(true);
  });
});
