// The Python that runs the exported reproduce.py in the tests: $PYTHON, Debian's /usr/bin/python3
// or python3, the first that imports torch, numpy and torchvision (scripts/ensure-torch.sh installs one).
import { spawnSync } from 'node:child_process';

/** The first of `candidates` that imports `modules` (e.g. "torch, numpy"), or null. */
export function pythonImporting(
  modules: string,
  candidates: (string | undefined)[] = [process.env.PYTHON, '/usr/bin/python3', 'python3'],
): string | null {
  for (const candidate of candidates) {
    if (candidate && spawnSync(candidate, ['-c', `import ${modules}`], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return null;
}

/**
 * Whether the tests that run Python are skipped: no Python with these modules here. `npm test`
 * installs both first (its pretest: scripts/ensure-torch.sh, ensure-pycocotools.sh) and fails
 * when it cannot, so there they always run; `npm run test:unit` alone installs nothing and says
 * what it skips.
 */
export function skipWithout(what: 'torch' | 'pycocotools'): boolean {
  const found =
    what === 'torch'
      ? pythonImporting('torch, numpy, torchvision')
      : pythonImporting('pycocotools.cocoeval', [process.env.COCO_PYTHON, '.venv-coco/bin/python']);
  if (!found)
    console.warn(
      `skipped: the tests that need ${what === 'torch' ? 'PyTorch, numpy and torchvision' : 'pycocotools'} (npm test installs them; or bash scripts/ensure-${what}.sh)`,
    );
  return !found;
}

export function pythonWithTorch(): string {
  const python = pythonImporting('torch, numpy, torchvision');
  if (python) return python;
  throw new Error('no Python with PyTorch, numpy and torchvision: run `bash scripts/ensure-torch.sh` (or set PYTHON)');
}

/** Runs reproduce.py of `bundle` with `args`; its output, and the JSON object of its last line. */
export function runReproduce(bundle: string, args: string[] = []): { output: string; finals: Record<string, number> } {
  const run = spawnSync(pythonWithTorch(), [`${bundle}/reproduce.py`, bundle, ...args], { encoding: 'utf8', timeout: 300_000 });
  const output = `${run.stdout}${run.stderr}`;
  if (run.status !== 0) throw new Error(`reproduce.py exited with ${run.status}:\n${output}`);
  const last = run.stdout.trim().split('\n').at(-1)!;
  return { output, finals: JSON.parse(last) as Record<string, number> };
}

/** The Python with pycocotools (scripts/ensure-pycocotools.sh makes .venv-coco): $COCO_PYTHON, else the venv. */
export function pythonWithPycocotools(): string {
  const python = pythonImporting('pycocotools.cocoeval', [process.env.COCO_PYTHON, '.venv-coco/bin/python']);
  if (python) return python;
  throw new Error('no Python with pycocotools: run `bash scripts/ensure-pycocotools.sh` (or set COCO_PYTHON)');
}
