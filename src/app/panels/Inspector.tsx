import * as Comlink from 'comlink';
import { useEffect, useMemo, useRef, useState } from 'react';
import { DKD_DEFAULTS, PCD_DEFAULTS } from '../../distill/methods';
import type { PcdOptions } from '../../distill/pcd';
import { groupCount, groupSlot } from '../../kernels/pcd-attrs';
import { inspectionJson, type Inspection } from '../../import/inspect';
import type { InspectedFile, InspectorProgress } from '../../import/inspector.worker';
import { LOGITS_LIMITS } from '../../import/local-limits';
import { startInspectorWorker } from '../../worker/bridge';
import { BarPlot } from '../charts/plot';
import { M } from './Formula';
import { groupColour } from '../../config/palette';
import { download } from './ExportPanel';
import { useSession } from '../store/session-store';
import { useDropZone } from './use-drop';
import { megabytes } from '../../data/text';

const TAU_RANGE = [0.1, 100] as const;
const MAX_STAGES = 10;

const fmt = (x: number) => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(4) : x.toExponential(2));

/**
 * The PCD inspector: a file of teacher and student logits in, every PCD diagnostic out,
 * for any option, at once (src/import/inspect.ts computes on this thread; no training).
 */
export function Inspector() {
  /** The file the worker holds now (its view may still be computing). */
  const [loaded, setLoaded] = useState<InspectedFile | null>(null);
  /** What the page shows: a file and its inspection, replaced together once a new one is ready. */
  const [shown, setShown] = useState<{ file: InspectedFile; result: Inspection } | null>(null);
  const [busy, setBusy] = useState<InspectorProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [options, setOptions] = useState<PcdOptions>({ ...PCD_DEFAULTS });
  const [sample, setSample] = useState(0);
  const [stage, setStage] = useState(PCD_DEFAULTS.stages);
  const [tauText, setTauText] = useState(String(PCD_DEFAULTS.temperature));
  /** The worker, and one progress callback for every request (a proxy holds a message port); each report names its request. */
  const worker = useRef<(ReturnType<typeof startInspectorWorker> & { progress: (p: InspectorProgress) => void }) | null>(null);
  /** Counts requests: a progress message of an older one (its own message port may deliver it after the result) is dropped. */
  const request = useRef(0);
  useEffect(() => {
    const started = startInspectorWorker();
    worker.current = { ...started, progress: Comlink.proxy((p: InspectorProgress) => void (p.request === request.current && setBusy(p))) };
    return () => started.terminate();
  }, []);

  const load = async (file: File) => {
    if (!worker.current) return;
    const mine = ++request.current;
    setBusy({ what: `reading ${file.name}`, done: 0, total: 0, request: mine });
    try {
      const info = await Promise.race([worker.current.api.load(file, worker.current.progress, mine), worker.current.failed]);
      request.current++;
      setError(null);
      const stages = Math.min(options.stages, info.classes, MAX_STAGES);
      setOptions((o) => ({ ...o, stages, activeStage: o.activeStage && o.activeStage <= stages ? o.activeStage : null }));
      setStage(stages);
      setLoaded(info);
    } catch (e) {
      // Refused: the file loaded before stays, and so does its view.
      request.current++;
      setBusy(null);
      setError(`${(e as Error).message}${shown ? ` (still showing ${shown.file.name})` : ''}`);
    }
  };
  const drop = useDropZone((data) => {
    const file = data.files[0];
    if (file) void load(file);
  });

  // Every option change (and a new file) recomputes in the worker; the view on screen stays
  // until the new one is ready, and a newer request supersedes an older one.
  useEffect(() => {
    if (!loaded || !worker.current) return;
    const mine = ++request.current;
    setBusy({ what: 'computing', done: 0, total: loaded.batch, request: mine });
    Promise.race([worker.current.api.compute(options, worker.current.progress, mine), worker.current.failed]).then(
      (result) => {
        if (mine !== request.current || !result) return;
        request.current++;
        setShown({ file: loaded, result });
        setSample((s) => (s < loaded.batch ? s : 0));
        setBusy(null);
      },
      (e: Error) => {
        if (mine !== request.current) return;
        request.current++;
        setBusy(null);
        setError(e.message);
      },
    );
  }, [loaded, options]);

  const data = shown?.file ?? null;
  const result = shown?.result ?? null;
  const classes = data?.classes ?? 0;
  const names = useMemo(() => data?.classNames ?? [], [data]);
  const shownStages = result?.options.stages ?? options.stages;
  const groups = groupCount(shownStages);
  const shownStage = Math.min(stage, shownStages);

  const ranked = useMemo(() => {
    if (!result || !data) return [];
    const C = data.classes;
    const order = Array.from({ length: C }, (_, c) => c).sort((a, b) => result.pcd.ranks[sample * C + a] - result.pcd.ranks[sample * C + b]);
    return order.map((c) => {
      const group = result.stageGroups[(sample * result.options.stages + shownStage - 1) * C + c];
      return {
        label: names[c],
        value: result.gaps[sample * C + c],
        colour: groupColour(group, shownStage),
        detail: `${names[c]}: gap ${result.gaps[sample * C + c].toFixed(3)}, rank ${result.pcd.ranks[sample * C + c] + 1}, group ${group + 1} of stage ${shownStage}`,
      };
    });
  }, [result, data, sample, shownStage, names]);

  const gradient = useMemo(() => {
    if (!result || !data) return [];
    const C = data.classes;
    return names.map((name, c) => ({
      label: name,
      value: result.pcd.grad[sample * C + c],
      colour: '#D55E00',
      detail: `gradient of the PCD loss with respect to the student's logit of ${name}: ${result.pcd.grad[sample * C + c].toExponential(3)}`,
    }));
  }, [result, data, sample, names]);

  const set = (change: Partial<PcdOptions>) => setOptions((o) => ({ ...o, ...change }));
  const tauValue = Number(tauText);
  const tauError = !(tauValue >= TAU_RANGE[0] && tauValue <= TAU_RANGE[1]) ? `τ must be a number in ${TAU_RANGE[0]}–${TAU_RANGE[1]}` : null;

  return (
    <main id="inspector" className="inspector" tabIndex={-1} data-testid="inspector">
      <section className={`card inspector-drop${drop.dragging ? ' dragging' : ''}`} aria-labelledby="inspector-title" {...drop.handlers}>
        <h2 id="inspector-title">PCD inspector: your own logits</h2>
        <p className="explain">
          Drop or pick a file of teacher and student logits (B × C): .json, .csv or .npy, at most {megabytes(LOGITS_LIMITS.bytes)},{' '}
          {LOGITS_LIMITS.samples.toLocaleString('en')} samples and {LOGITS_LIMITS.classes.toLocaleString('en')} classes (the guide’s “Bring your own”,
          docs/guide/your-data.md, has the formats and a PyTorch snippet). It is read and computed in a worker of this page: nothing is uploaded,
          nothing trains.
        </p>
        <label className="file-pick">
          Logits file{' '}
          <input
            type="file"
            accept=".json,.csv,.npy"
            onChange={(e) => e.target.files?.[0] && void load(e.target.files[0])}
            data-testid="inspector-file"
          />
        </label>
        {error ? (
          <p className="form-error" role="alert" data-testid="inspector-error">
            {error}
          </p>
        ) : null}
        {data ? (
          <p data-testid="inspector-loaded">
            {data.name}: {data.batch.toLocaleString('en')} samples × {classes.toLocaleString('en')} classes
            {data.labels ? ', with labels' : ', no labels (DKD and CE need them)'}.
          </p>
        ) : null}
        {busy ? (
          <p role="status" data-testid="inspector-busy">
            {busy.what}
            {busy.total ? ` (${busy.done.toLocaleString('en')} / ${busy.total.toLocaleString('en')} samples)` : '…'}
            {shown ? ` · the view below stays as it was until then` : ''}
          </p>
        ) : null}
      </section>

      {data && result ? (
        <>
          <section className="card" aria-labelledby="inspector-options">
            <h2 id="inspector-options">PCD options</h2>
            <div className="inspector-options">
              <label>
                Stages S{' '}
                <select
                  value={options.stages}
                  onChange={(e) => {
                    const stages = Number(e.target.value);
                    set({ stages, activeStage: options.activeStage && options.activeStage <= stages ? options.activeStage : null });
                    setStage(stages);
                  }}
                  data-testid="inspector-stages"
                >
                  {Array.from({ length: Math.min(classes, MAX_STAGES) }, (_, i) => i + 1).map((s) => (
                    <option key={s} value={s}>
                      {s}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                Temperature τ{' '}
                <input
                  type="number"
                  step="any"
                  value={tauText}
                  aria-invalid={tauError ? true : undefined}
                  onChange={(e) => {
                    setTauText(e.target.value);
                    const v = Number(e.target.value);
                    if (v >= TAU_RANGE[0] && v <= TAU_RANGE[1]) set({ temperature: v });
                  }}
                  data-testid="inspector-tau"
                />
              </label>
              <label>
                <input type="checkbox" checked={options.ranking} onChange={(e) => set({ ranking: e.target.checked })} /> Rank by logit gap
              </label>
              <label>
                <input type="checkbox" checked={options.adaptive} onChange={(e) => set({ adaptive: e.target.checked })} /> Adaptive λ
              </label>
              <label>
                <input type="checkbox" checked={options.standardizeLogits} onChange={(e) => set({ standardizeLogits: e.target.checked })} />{' '}
                Standardize logits
              </label>
              <label>
                Passes{' '}
                <select
                  value={options.fineToCoarse && options.coarseToFine ? 'both' : options.fineToCoarse ? 'f2c' : 'c2f'}
                  onChange={(e) => set({ fineToCoarse: e.target.value !== 'c2f', coarseToFine: e.target.value !== 'f2c' })}
                >
                  <option value="both">both</option>
                  <option value="f2c">fine → coarse only</option>
                  <option value="c2f">coarse → fine only</option>
                </select>
              </label>
              <label>
                Loss of{' '}
                <select
                  value={options.activeStage ?? 0}
                  onChange={(e) => set({ activeStage: Number(e.target.value) || null })}
                  data-testid="inspector-active-stage"
                >
                  <option value={0}>every stage (the paper)</option>
                  {Array.from({ length: options.stages }, (_, i) => (
                    <option key={i} value={i + 1}>
                      stage {i + 1} alone (scheduled, ×2)
                    </option>
                  ))}
                </select>
              </label>
            </div>
            {tauError ? (
              <p className="form-error" role="alert">
                {tauError}: the last valid τ ({options.temperature}) is in use.
              </p>
            ) : null}
          </section>

          <section className="card" aria-labelledby="inspector-losses">
            <div className="card-header">
              <h2 id="inspector-losses">Losses over the batch</h2>
              <button
                type="button"
                onClick={() =>
                  download(
                    `${data.name.replace(/\.[^.]+$/, '')}-pcd-inspection.json`,
                    JSON.stringify(inspectionJson(data, result), null, 1),
                    'application/json',
                  )
                }
                data-testid="inspector-export"
              >
                Export JSON
              </button>
            </div>
            <table className="summary-table" data-testid="inspector-table">
              <tbody>
                <tr>
                  <th scope="row">PCD loss (α = 1)</th>
                  <td data-testid="inspector-pcd-loss">{fmt(result.pcd.loss)}</td>
                </tr>
                {Array.from(result.pcd.stageLosses).map((loss, k) => (
                  <tr key={k}>
                    <th scope="row">
                      <M tex={`L_{${k + 1}}`} says={`L${k + 1}`} /> (stage {k + 1})
                    </th>
                    <td data-testid={`inspector-stage-${k + 1}`}>{fmt(loss)}</td>
                  </tr>
                ))}
                <tr>
                  <th scope="row">KD (same τ)</th>
                  <td data-testid="inspector-kd">{fmt(result.kd.loss)}</td>
                </tr>
                <tr>
                  <th scope="row">
                    DKD (α = {DKD_DEFAULTS.alpha}, β = {DKD_DEFAULTS.beta})
                  </th>
                  <td data-testid="inspector-dkd">{result.dkd ? fmt(result.dkd.loss) : 'needs labels'}</td>
                </tr>
                <tr>
                  <th scope="row">CE of the student</th>
                  <td data-testid="inspector-ce">{result.ce ? fmt(result.ce.loss) : 'needs labels'}</td>
                </tr>
              </tbody>
            </table>
          </section>

          <section className="card" aria-labelledby="inspector-sample">
            <div className="card-header">
              <h2 id="inspector-sample">One sample</h2>
              <div className="card-controls">
                <label>
                  Sample{' '}
                  <select value={sample} onChange={(e) => setSample(Number(e.target.value))} data-testid="inspector-sample">
                    {Array.from({ length: Math.min(data.batch, 500) }, (_, b) => (
                      <option key={b} value={b}>
                        #{b + 1}
                        {data.labels ? ` (label ${names[data.labels[b]]})` : ''}
                      </option>
                    ))}
                  </select>
                </label>{' '}
                <label>
                  Colour by stage{' '}
                  <select value={shownStage} onChange={(e) => setStage(Number(e.target.value))}>
                    {Array.from({ length: shownStages }, (_, i) => (
                      <option key={i} value={i + 1}>
                        {i + 1}
                      </option>
                    ))}
                  </select>
                </label>
              </div>
            </div>
            <p className="explain">
              Classes in rank order (largest gap <M tex={String.raw`|z^{\text{teacher}}_c - z^{\text{student}}_c|`} says="|z_teacher − z_student|" />{' '}
              first), coloured by their group at stage {shownStage}.
            </p>
            <BarPlot
              label={`Logit gaps of sample #${sample + 1} in rank order`}
              bars={ranked}
              height={180}
              xLabel="class, by rank"
              y={{ label: '|gap|' }}
            />
            <table className="summary-table inspector-groups" data-testid="inspector-groups">
              <thead>
                <tr>
                  <th>stage</th>
                  <th>group</th>
                  <th>classes</th>
                  <th>
                    <M tex="D_G" says="D_G" />
                  </th>
                  <th>
                    <M tex={String.raw`\lambda_G`} says="λ_G" />
                  </th>
                </tr>
              </thead>
              <tbody>
                {Array.from({ length: shownStages }, (_, k) =>
                  Array.from({ length: k + 1 }, (_, g) => {
                    const slot = sample * groups + groupSlot(k + 1, g);
                    const members = names.filter((_, c) => result.stageGroups[(sample * shownStages + k) * classes + c] === g);
                    return (
                      <tr key={`${k}-${g}`}>
                        <td>{k + 1}</td>
                        <td>{g + 1}</td>
                        <td className="members">
                          {members.length > 6 ? `${members.slice(0, 6).join(', ')}, … (${members.length})` : members.join(', ')}
                        </td>
                        <td>{fmt(result.pcd.groupLosses[slot])}</td>
                        <td>{fmt(result.pcd.lambdas[slot])}</td>
                      </tr>
                    );
                  }),
                )}
              </tbody>
            </table>
            <p className="explain">
              The gradient of the PCD loss with respect to this sample’s student logits, in class order (what a training step would push).
            </p>
            <BarPlot
              label={`Gradient of the PCD loss for sample #${sample + 1}`}
              bars={gradient}
              height={160}
              xLabel="class"
              y={{ label: '∂loss/∂z' }}
            />
          </section>
        </>
      ) : null}
    </main>
  );
}

/** Opens or closes the inspector (the header's button). */
export function toggleInspector(): void {
  useSession.getState().toggleInspector();
}
