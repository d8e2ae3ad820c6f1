import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../src/tf/backends';
import { pcdLoss } from '../../src/distill/pcd';
export async function run(backend: 'webgpu'|'webgl'|'cpu') {
  await selectBackend([backend]);
  const B=128, C=100;
  const zt = tf.randomNormal([B,C],0,3) as tf.Tensor2D, zs = tf.randomNormal([B,C]) as tf.Tensor2D;
  const f = () => { const {value, grad} = tf.valueAndGrad((x: tf.Tensor2D) => pcdLoss(x, zt).loss)(zs); return [value, grad]; };
  for (let i = 0; i < 3; i++) { const r = f(); await r[1].data(); tf.dispose(r); }
  const info = await tf.profile(async () => { const r = f(); await r[1].data(); return r; });
  const agg = new Map<string, [number, number]>();
  for (const k of info.kernels) { const t = (await k.kernelTimeMs) as number; const key = k.name + ' ' + JSON.stringify(k.inputShapes); const a = agg.get(key) ?? [0, 0]; agg.set(key, [a[0] + (typeof t === 'number' ? t : 0), a[1] + 1]); }
  return [...agg.entries()].sort((a,b)=>b[1][0]-a[1][0]).slice(0, 30).map(([k,[t,n]]) => `${t.toFixed(2).padStart(8)} ${n} ${k}`).join('\n') + '\nkernels ' + info.kernels.length;
}
