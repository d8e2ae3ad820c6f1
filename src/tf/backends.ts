// Loading '@tensorflow/tfjs' registers the CPU and WebGL backends and every op's
// gradient (tfjs-core's own entry registers no gradients, and the loss code in
// src/distill only imports tfjs-core).
import * as tf from '@tensorflow/tfjs';
import { installWasmConvGradients } from './wasm-conv';
import { keepWasmMatMulFast } from './wasm-matmul';
import { installWasmMaxPoolGrad } from './wasm-pool';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';

/** The order tried when nothing is forced: fastest first (ARCHITECTURE.md, "Which backend trains what"). */
export const BACKEND_PREFERENCE: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export interface BackendInUse {
  backend: BackendName;
  /** The GPU adapter's description where the backend exposes one (WebGPU), else null. */
  adapter: string | null;
  /** Why each backend tried before the chosen one was not used; `software`: skipped for a software GPU, not for failing. */
  skipped: { backend: BackendName; reason: string; software?: boolean }[];
}

async function registerBackend(name: BackendName): Promise<void> {
  if (name === 'webgpu') {
    if (typeof navigator === 'undefined' || !('gpu' in navigator)) throw new Error('navigator.gpu is not available');
    await import('@tensorflow/tfjs-backend-webgpu');
  } else if (name === 'wasm') {
    // MLP and CNN students train many times faster on it than on the pure-JS CPU backend
    // (ARCHITECTURE.md, "Which backend trains what"); the conv gradients TF.js lacks there
    // are installed below (wasm-conv.ts).
    if (tf.env().getBool('IS_NODE')) {
      const specifier = '@tensorflow/tfjs-backend-wasm';
      await import(/* @vite-ignore */ specifier);
    } else {
      // In the page: its binaries are the site's own files (the CSP allows 'wasm-unsafe-eval'
      // for them and nothing else); SIMD where the browser has it, threads only where the page
      // is cross-origin isolated (TF.js picks the binary).
      const [wasm, files] = await Promise.all([import('@tensorflow/tfjs-backend-wasm'), import('./wasm-files')]);
      wasm.setWasmPaths(files.WASM_FILES);
    }
    keepWasmMatMulFast();
    installWasmConvGradients();
    installWasmMaxPoolGrad();
  }
}

async function adapterDescription(name: BackendName): Promise<string | null> {
  if (name !== 'webgpu') return null;
  const backend = tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string; description?: string } };
  const info = backend.adapterInfo;
  if (!info) return null;
  return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || null;
}

/** Names of renderers that run on the CPU (SwiftShader, llvmpipe/lavapipe, WARP, Microsoft Basic Render). */
const SOFTWARE_RENDERER = /swiftshader|llvmpipe|lavapipe|software|basic render|warp/i;

/**
 * Why the browser's WebGPU adapter is a software one (SwiftShader, llvmpipe, WARP, or the
 * adapter the browser itself calls a fallback), or null for real GPU hardware. On such an
 * adapter WebGPU runs on the CPU and was several times slower than WebGL and the CPU
 * backend for every preset (measured on the project's 2-core machine).
 */
export async function softwareWebGpu(): Promise<string | null> {
  if (typeof navigator === 'undefined' || !('gpu' in navigator)) return null;
  const gpu = (
    navigator as unknown as { gpu: { requestAdapter(): Promise<{ info?: Record<string, string | boolean>; isFallbackAdapter?: boolean } | null> } }
  ).gpu;
  const adapter = await gpu.requestAdapter();
  if (!adapter) return null;
  const info = adapter.info ?? {};
  const name = [info.vendor, info.architecture, info.device, info.description].filter((v) => typeof v === 'string' && v).join(' ');
  if (info.isFallbackAdapter === true || adapter.isFallbackAdapter === true)
    return `the WebGPU adapter is a software fallback${name ? ` (${name})` : ''}`;
  if (SOFTWARE_RENDERER.test(name)) return `the WebGPU adapter is a software renderer (${name}), slower than WebGL here`;
  return null;
}

/** The WebGL renderer's name when it is a software one (SwiftShader, llvmpipe, WARP), else null. */
export function softwareWebGl(): string | null {
  if (typeof OffscreenCanvas === 'undefined') return null;
  try {
    const gl = new OffscreenCanvas(1, 1).getContext('webgl2') as WebGL2RenderingContext | null;
    if (!gl) return null;
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
    gl.getExtension('WEBGL_lose_context')?.loseContext();
    return SOFTWARE_RENDERER.test(renderer) ? renderer : null;
  } catch {
    return null;
  }
}

/**
 * Tries the backends in order and keeps the first whose `setBackend` resolves to true.
 * Returns what is really in use, so the UI never claims a backend it did not get.
 * `avoidSoftwareGpu` (the page's choice when the link forces no backend) skips WebGPU on a
 * software adapter and says why, and puts a software WebGL behind the WASM backend, which
 * trains MLP and CNN students many times faster there (measured: ARCHITECTURE.md, "Which
 * backend trains what"). With `mlp` a software WebGL is not tried at all (the CPU backend
 * too beats it for MLP students); for a CNN student it stays the fallback before the CPU
 * backend, whose conv gradients are naive loops.
 */
export async function selectBackend(
  order: readonly BackendName[] = BACKEND_PREFERENCE,
  { avoidSoftwareGpu = false, mlp = false } = {},
): Promise<BackendInUse> {
  const skipped: BackendInUse['skipped'] = [];
  // In Node the CPU backend prints an advert for tfjs-node on first use, which cannot be
  // installed here (its install downloads a binary); PROD silences TF.js warnings.
  if (tf.env().getBool('IS_NODE')) tf.env().set('PROD', true);
  const queue = [...order];
  /** A software WebGL put behind the WASM backend: why, said if WASM is kept. */
  let deferredWebGl: BackendInUse['skipped'][number] | null = null;
  for (let at = 0; at < queue.length; at++) {
    const name = queue[at];
    try {
      if (name === 'webgpu' && avoidSoftwareGpu && order.length > 1) {
        const software = await softwareWebGpu();
        if (software) {
          skipped.push({ backend: name, reason: software, software: true });
          continue;
        }
      }
      const later = queue.slice(at + 1);
      if (name === 'webgl' && avoidSoftwareGpu && deferredWebGl === null && (later.includes('wasm') || (mlp && later.includes('cpu')))) {
        const renderer = softwareWebGl();
        if (renderer) {
          const short = renderer.match(SOFTWARE_RENDERER)?.[0] ?? renderer.slice(0, 40);
          const instead = later.includes('wasm') ? 'the WASM backend' : 'the CPU backend';
          const reason = `WebGL is a software renderer here (${short}), on which ${instead} trains ${mlp ? 'MLP' : 'CNN'} students faster`;
          if (mlp) {
            skipped.push({ backend: name, reason, software: true });
          } else {
            deferredWebGl = { backend: name, reason, software: true };
            queue.splice(queue.indexOf('wasm', at) + 1, 0, 'webgl');
          }
          continue;
        }
      }
      await registerBackend(name);
      if (await tf.setBackend(name)) {
        await tf.ready();
        if (tf.getBackend() === name) {
          if (deferredWebGl && name === 'wasm') skipped.push(deferredWebGl);
          return { backend: name, adapter: await adapterDescription(name), skipped };
        }
      }
      skipped.push({ backend: name, reason: 'setBackend returned false' });
    } catch (error) {
      skipped.push({ backend: name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new Error(`No TensorFlow.js backend could start: ${skipped.map((s) => `${s.backend}: ${s.reason}`).join('; ')}`);
}

interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}

function webgpuDevice(): GpuDeviceLike | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return (tf.backend() as unknown as { device?: GpuDeviceLike }).device ?? null;
}

/** Calls `onLost` with the reason if the WebGPU device in use is lost (no-op on other backends). */
export function watchDeviceLoss(onLost: (reason: string) => void): void {
  void webgpuDevice()?.lost.then((info) => onLost([info.reason, info.message].filter(Boolean).join(': ')));
}

/** Destroys the WebGPU device in use, as a driver reset would: the recovery path's test hook. */
export function loseDeviceForTesting(): boolean {
  const device = webgpuDevice();
  device?.destroy();
  return device !== null;
}

/** What the soak test samples in this context: TF.js's tensors and bytes, and the JS heap. */
export interface MemorySnapshot {
  numTensors: number;
  numBytes: number;
  /** `performance.memory.usedJSHeapSize` after a garbage collection where the browser allows one (Chromium with --expose-gc); null where there is no such figure. */
  jsHeapUsed: number | null;
}

export function memorySnapshot(): MemorySnapshot {
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const { numTensors, numBytes } = tf.memory();
  const heap = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  return { numTensors, numBytes, jsHeapUsed: heap ? heap.usedJSHeapSize : null };
}
