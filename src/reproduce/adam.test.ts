import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../data/random';
import { selectBackend } from '../tf/backends';
import { setLearningRate } from '../tf/optimizer-internals';
import { learningRateAt } from '../train/schedule';
import { pythonWithTorch, skipWithout } from '../test-support/python';

beforeAll(() => selectBackend(['cpu']));

/**
 * reproduce.py's TfjsAdam against TF.js's Adam: the same gradients (large, small and near
 * epsilon, signs changing) under a cosine learning rate, 40 steps, the values compared bit
 * for bit. PyTorch's own Adam, fed the same, is not: it computes 1 − β₂ᵗ in float64, where
 * TF.js carries βᵗ as a float32 product (the drift the race's PyTorch reproduction showed).
 */
describe.skipIf(skipWithout('torch'))('the Adam of reproduce.py', () => {
  it('is TF.js’s, rounding for rounding, where PyTorch’s own Adam is not', () => {
    const size = 64;
    const steps = 40;
    const random = new SeededRandom(11);
    const initial = Array.from({ length: size }, () => random.normal());
    // Each parameter's gradient scale: from 1e-8 (below epsilon) to 10.
    const scale = Array.from({ length: size }, (_, i) => 10 ** (-8 + (9 * i) / (size - 1)));
    const gradients = Array.from({ length: steps }, () => scale.map((s) => Math.fround(s * random.normal())));
    const rates = Array.from({ length: steps }, (_, t) => learningRateAt('cosine', 0.01, t, steps));
    const variable = tf.variable(tf.tensor1d(initial));
    const optimizer = tf.train.adam(0.01);
    for (let t = 0; t < steps; t++) {
      setLearningRate(optimizer, rates[t]);
      const gradient = tf.tensor1d(gradients[t]);
      optimizer.applyGradients([{ name: variable.name, tensor: gradient }]);
      gradient.dispose();
    }
    const tfjs = Array.from(variable.dataSync());
    optimizer.dispose();
    variable.dispose();
    const script = `
import json, sys, torch
sys.path.insert(0, ${JSON.stringify(fileURLToPath(new URL('.', import.meta.url)))})
from reproduce import TfjsAdam, ADAM
data = json.load(sys.stdin)
out = {}
for name in ("tfjs", "torch"):
    p = torch.nn.Parameter(torch.tensor(data["initial"], dtype=torch.float32))
    opt = TfjsAdam([p], lr=0.01, **ADAM) if name == "tfjs" else torch.optim.Adam([p], lr=0.01, **ADAM)
    for g, lr in zip(data["gradients"], data["rates"]):
        for group in opt.param_groups:
            group["lr"] = lr
        p.grad = torch.tensor(g, dtype=torch.float32)
        opt.step()
    out[name] = p.detach().tolist()
print(json.dumps(out))
`;
    const run = spawnSync(pythonWithTorch(), ['-c', script], {
      input: JSON.stringify({ initial: Array.from(Float32Array.from(initial)), gradients, rates }),
      encoding: 'utf8',
    });
    expect(run.status, run.stderr).toBe(0);
    const python = JSON.parse(run.stdout) as { tfjs: number[]; torch: number[] };
    expect(python.tfjs).toEqual(tfjs);
    const differ = python.torch.filter((v, i) => v !== tfjs[i]).length;
    expect(differ).toBeGreaterThan(size / 2);
  });
});
