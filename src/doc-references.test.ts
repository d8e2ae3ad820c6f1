import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The documents point a reader at files and at sections of ARCHITECTURE.md; the code's
// comments do too. Every such pointer must lead somewhere: a renamed file or section that
// leaves a stale reference behind fails here.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tracked = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).trim().split('\n');
const trackedSet = new Set(tracked);
const basenames = new Set(tracked.map((f) => basename(f)));
/** Folders of the repository (a reference may name one, with or without its slash). */
const folders = new Set(
  tracked.flatMap((f) =>
    f
      .split('/')
      .slice(0, -1)
      .map((_, i, parts) => parts.slice(0, i + 1).join('/')),
  ),
);
const docs = tracked.filter((f) => /^(README|ARCHITECTURE)\.md$|^docs\/.*\.md$/.test(f) && !f.startsWith('docs/results') && f !== 'docs/spec.md');
const code = tracked.filter((f) => /^(src|scripts|e2e)\/.*\.(ts|tsx)$|^vite\.config\.ts$/.test(f));
const read = (f: string) => readFileSync(join(root, f), 'utf8');

/** The sections of ARCHITECTURE.md: its headings and its bold run-in headings ("- **Charts.**"). */
const architecture = read('ARCHITECTURE.md');
const sections = [...architecture.matchAll(/^#{2,4} (.+)$/gm), ...architecture.matchAll(/^(?:- )?\*\*([^*]+?)\.?\*\*/gm)].map((m) => m[1].trim());

/** A path a document names in backticks: repository files and folders (not URLs, site paths or globs). */
function namedPaths(text: string): string[] {
  return [...text.matchAll(/`([^`\s]+)`/g)]
    .map((m) => m[1].replace(/[),.:;]+$/, ''))
    .filter(
      (token) => /^(src|scripts|e2e|docs|\.ci|\.github)\/[\w./-]*$/.test(token) || /^[\w-]+(\.[\w-]+)*\.(ts|tsx|md|sh|py|yml|css|mjs)$/.test(token),
    )
    .filter((token) => !token.includes('*'));
}

function exists(token: string, from: string): boolean {
  const path = token.replace(/\/$/, '');
  if (!path.includes('/')) return basenames.has(path) || folders.has(path);
  // A file not yet committed counts too (git ls-files lists only tracked ones).
  return trackedSet.has(path) || folders.has(path) || trackedSet.has(normalize(join(dirname(from), path))) || existsSync(join(root, path));
}

describe('references in the documents and the code', () => {
  it('every file or folder a document names in backticks or links to exists', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const doc of docs) {
      const text = read(doc);
      for (const token of namedPaths(text)) {
        checked++;
        if (!exists(token, doc)) missing.push(`${doc}: \`${token}\``);
      }
      for (const [, link] of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        if (/^[a-z]+:/.test(link)) continue;
        if (!exists(normalize(join(dirname(doc), link)), doc)) missing.push(`${doc}: link ${link}`);
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(100);
  });

  it('every "ARCHITECTURE.md, <section>" the code or a document cites is a section of it', () => {
    const cited: string[] = [];
    for (const file of [...code, ...docs]) {
      // The name may be quoted and may run onto the next comment line ("// trains what").
      const text = read(file).replace(/\n\s*(\/\/|\*)\s*/g, ' ');
      for (const m of text.matchAll(/ARCHITECTURE\.md, (?:"([^"]+)"|([A-Z][\w -]*[\w]))/g)) cited.push(`${file}: ${m[1] ?? m[2]}`);
    }
    expect(cited.length).toBeGreaterThan(3);
    const unknown = cited.filter((c) => {
      const name = c.slice(c.indexOf(': ') + 2);
      return !sections.some((s) => s === name || s.startsWith(`${name} (`));
    });
    expect(unknown).toEqual([]);
  });

  it('every "docs/perf.md, <section>" cited is a heading of that generated page', () => {
    const headings = [...read('docs/perf.md').matchAll(/^#{2,4} (.+)$/gm)].map((m) => m[1].trim());
    const cited: string[] = [];
    for (const file of [...code, ...docs]) {
      const text = read(file).replace(/\n\s*(\/\/|\*)\s*/g, ' ');
      for (const m of text.matchAll(/docs\/perf\.md, "([^"]+)"/g)) cited.push(`${file}: ${m[1].replace(/\s+/g, ' ')}`);
    }
    expect(cited.length).toBeGreaterThan(3);
    expect(cited.filter((c) => !headings.includes(c.slice(c.indexOf(': ') + 2)))).toEqual([]);
  });

  it('knows a missing path and section when it sees one', () => {
    expect(exists('src/app/charts/plot.tsx', 'ARCHITECTURE.md')).toBe(true);
    expect(exists('plot-scale.ts', 'ARCHITECTURE.md')).toBe(true);
    expect(exists('src/app/charts/nowhere.tsx', 'ARCHITECTURE.md')).toBe(false);
    expect(exists('page-config-link.ts', 'ARCHITECTURE.md')).toBe(false);
    expect(sections).toContain('Which backend trains what');
    expect(sections).toContain('Charts');
    expect(sections).toContain('Which folder may import which');
    expect(sections).not.toContain('Backends');
  });
});
