import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const fixture = new URL('../src/distill/fixtures/distill-golden.json', import.meta.url);
const caseCount = (JSON.parse(readFileSync(fixture, 'utf8')) as { cases: unknown[] }).cases.length;

async function checkGolden(file: string, ...extra: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'scripts/check-golden.ts', file, ...extra]);
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('npm run check:golden', () => {
  it('passes the golden file: one line per case, then "N passed, 0 failed"', async () => {
    const { code, stdout } = await checkGolden(fixture.pathname);
    const lines = stdout.trim().split('\n');
    expect(code).toBe(0);
    expect(caseCount).toBe(9);
    expect(lines.filter((line) => line.startsWith('PASS case'))).toHaveLength(caseCount);
    expect(lines.at(-1)).toBe(`${caseCount} passed, 0 failed`);
  });

  it('passes on the WASM backend the experiment runner trains on', async () => {
    const { code, stdout } = await checkGolden(fixture.pathname, '--backend', 'wasm');
    const lines = stdout.trim().split('\n');
    expect(code).toBe(0);
    expect(lines[0]).toBe('backend: wasm');
    expect(lines.at(-1)).toBe(`${caseCount} passed, 0 failed`);
  });

  it('takes any file of that format and exits non-zero when a case fails', async () => {
    const golden = JSON.parse(readFileSync(fixture, 'utf8'));
    golden.cases = golden.cases.slice(0, 2);
    golden.cases[1].pcd[0].jointGrad[0][0] += 0.01;
    const file = join(mkdtempSync(join(tmpdir(), 'golden-')), 'tampered.json');
    writeFileSync(file, JSON.stringify(golden));
    const { code, stdout } = await checkGolden(file);
    expect(code).toBe(1);
    expect(stdout).toMatch(/FAIL case 1 .*pcd\[0\]\.joint\.grad/);
    expect(stdout.trim().split('\n').at(-1)).toBe('1 passed, 1 failed');
  });

  it('names the file and the field when the file is not in the golden format', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'golden-')), 'wrong.json');
    writeFileSync(file, JSON.stringify({ cases: [{ studentLogits: [[1, 2]] }] }));
    const { code, stderr } = await checkGolden(file);
    expect(code).toBe(2);
    expect(stderr).toContain('wrong.json');
    expect(stderr).toMatch(/cases\.0\.teacherLogits/);
  });
});
