// PyTorch beside the project's figures in `npm run bench`: scripts/bench-pytorch.py, started
// once where a Python with torch is present, builds the same student (reproduce.py's
// build_student from the bundle's layer list) and times the same methods' steps on one CPU
// thread when asked, so the bench can alternate the two sides in one run.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import type * as tf from '@tensorflow/tfjs';
import type { TrainerConfig } from '../../src/train/config';
import type { RunSpec } from '../../src/train/reports';
import { studentLayers } from '../../src/reproduce/bundle';
import { pythonImporting } from '../../src/test-support/python';

export class PyTorchBench {
  private readonly lines: AsyncIterator<string>;

  private constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    reader: Interface,
    /** What the bench prints of it: torch's version and its threads. */
    public description = '',
  ) {
    this.lines = reader[Symbol.asyncIterator]();
  }

  /** The PyTorch side, or null (and why) where no Python has torch. */
  static start(): PyTorchBench | string {
    const python = pythonImporting('torch');
    if (!python) return 'no Python with torch here (bash scripts/ensure-torch.sh installs one)';
    const child = spawn(python, [new URL('../bench-pytorch.py', import.meta.url).pathname], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => process.stderr.write(`bench-pytorch.py: ${chunk.toString()}`));
    return new PyTorchBench(child, createInterface({ input: child.stdout }));
  }

  private async ask<T>(request: object): Promise<T> {
    this.child.stdin.write(`${JSON.stringify(request)}\n`);
    const { value, done } = await this.lines.next();
    if (done) throw new Error(`bench-pytorch.py ended without answering ${JSON.stringify(request).slice(0, 80)}`);
    return JSON.parse(value) as T;
  }

  /** Builds the student of `model`'s layers for every run, with the runs' optimizer and methods. */
  async setup(
    model: tf.LayersModel,
    featureShape: number[],
    classes: number,
    batchSize: number,
    config: TrainerConfig,
    runs: RunSpec[],
  ): Promise<void> {
    const answer = await this.ask<{ parameters: number; threads: number; torch: string }>({
      setup: { layers: studentLayers(model), featureShape, classes, batchSize, config, runs },
    });
    if (answer.parameters !== model.countParams())
      throw new Error(`bench-pytorch.py built a student of ${answer.parameters} parameters, the project's has ${model.countParams()}`);
    this.description = `PyTorch ${answer.torch}, ${answer.threads} CPU thread`;
  }

  /** Milliseconds of each of `steps` steps, each one step of every run in `ids` in turn. */
  async time(ids: string[], steps: number): Promise<number[]> {
    return (await this.ask<{ ms: number[] }>({ time: ids, steps })).ms;
  }

  close(): void {
    this.child.stdin.end();
  }
}
