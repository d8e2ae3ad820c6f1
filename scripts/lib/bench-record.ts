// What every benchmark writes beside its figures: the command that measured them, when, and on
// what machine. `npm run perf:doc` turns the records (copied to docs/perf/) into docs/perf.md,
// so a figure there always names the run it came from.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { chromiumExecutable } from '../../e2e/chromium';
import { pythonImporting } from '../../src/test-support/python';

export interface Machine {
  /** The CPU's model name, as the OS reports it. */
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** The Chromium the browser benchmarks launch (null where none). */
  chromium: string | null;
  /** torch's version, where a Python with torch is present (PyTorch's side of `npm run bench`). */
  torch: string | null;
}

function quietly(file: string, args: string[]): string | null {
  try {
    return execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function describeMachine(): Machine {
  const executable = chromiumExecutable();
  const python = pythonImporting('torch');
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    os: `${type()} ${release()}`,
    node: process.version,
    chromium: executable ? quietly(executable, ['--version']) : null,
    torch: python ? quietly(python, ['-c', 'import torch; print(torch.__version__)']) : null,
  };
}

/**
 * Writes bench-results/<name>.json: `{ bench, command, date, machine, loadAverage, ...figures }`. `script` is
 * the npm script that measured them; the command is it with this run's arguments.
 */
export function writeBenchRecord(name: string, script: string, figures: object): string {
  const args = process.argv.slice(2);
  const record = {
    bench: name,
    command: `npm run ${script}${args.length ? ` -- ${args.join(' ')}` : ''}`,
    date: new Date().toISOString(),
    machine: describeMachine(),
    // How busy the machine was (1, 5 and 15 minute load averages as the run ended): timings on a
    // shared machine mean little without it.
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    ...figures,
  };
  mkdirSync('bench-results', { recursive: true });
  const path = `bench-results/${name}.json`;
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`);
  return path;
}
