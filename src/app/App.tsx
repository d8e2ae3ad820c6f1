import { useEffect, useState } from 'react';
import type { BackendInUse } from '../worker/api';
import { startTrainingWorker } from '../worker/bridge';

type BackendState = { status: 'starting' } | { status: 'ready'; info: BackendInUse } | { status: 'failed'; message: string };

const BACKEND_LABEL: Record<BackendInUse['backend'], string> = {
  webgpu: 'WebGPU',
  webgl: 'WebGL',
  wasm: 'WASM',
  cpu: 'CPU',
};

function BackendBadge({ state }: { state: BackendState }) {
  if (state.status === 'starting') return <p className="backend">Starting TensorFlow.js in a worker…</p>;
  if (state.status === 'failed') return <p className="backend backend-failed" role="alert">No backend: {state.message}</p>;
  const { info } = state;
  const webgpuSkip = info.skipped.find((s) => s.backend === 'webgpu');
  return (
    <div className="backend" data-testid="backend" data-backend={info.backend}>
      <p>
        Backend: <strong>{BACKEND_LABEL[info.backend]}</strong>
        {info.adapter ? <span className="adapter"> ({info.adapter})</span> : null}
      </p>
      {webgpuSkip ? (
        <p className="backend-note" role="status">
          WebGPU is not available here ({webgpuSkip.reason}); training falls back to {BACKEND_LABEL[info.backend]}.
        </p>
      ) : null}
    </div>
  );
}

export function App() {
  const [backend, setBackend] = useState<BackendState>({ status: 'starting' });

  useEffect(() => {
    const worker = startTrainingWorker();
    let live = true;
    worker.api.initBackend().then(
      (info) => live && setBackend({ status: 'ready', info }),
      (error: unknown) => live && setBackend({ status: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      live = false;
      worker.terminate();
    };
  }, []);

  return (
    <main className="app">
      <header>
        <h1>PCD playground</h1>
        <p className="tagline">
          A small student network learns from a pretrained teacher by Progressive Class-level Distillation, trained for
          real in this page.
        </p>
      </header>
      <BackendBadge state={backend} />
    </main>
  );
}
