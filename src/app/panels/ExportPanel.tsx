import { useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { numbersLostInJson, sanitizeConfig } from '../../config/page-config';
import { controller } from '../store/controller-instance';
import { useSession } from '../store/session-store';
import { useRunName } from '../charts/use-live';
import { metricOf, raceSummary, summarySentence } from '../../config/summary';
import { messageOf } from '../../data/text';
import { REPRODUCTION_FORMAT } from '../../reproduce/format';
import { superclassAccuracy } from '../../config/superclass';

/** Saves `data` as a file named `name` (a download the browser starts; nothing leaves the machine). */
export function download(name: string, data: BlobPart, type: string): void {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const anchor = document.createElement('a');
  anchor.href = url;
  anchor.download = name;
  document.body.append(anchor);
  anchor.click();
  anchor.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const METRIC_COLUMNS = [
  'trainLoss',
  'trainAccuracy',
  'testLoss',
  'testAccuracy',
  'teacherAgreement',
  'nonTargetKl',
  'nonTargetRankCorrelation',
  'testCount',
  'trainCount',
] as const;

/**
 * Every run's evaluations as CSV (one row per run, seed and evaluation): the test columns on
 * the curves' test samples (`testCount`), the train columns on the first `trainCount` training
 * samples, and where the whole split was evaluated besides (the end), its accuracy and size.
 */
export function metricsCsv(evaluations: ReturnType<typeof useSession.getState>['live']['evaluations']): string {
  const rows = evaluations.map((e) =>
    [e.id, e.seed, e.step, ...METRIC_COLUMNS.map((c) => e[c] ?? ''), e.whole?.testAccuracy ?? '', e.whole?.testCount ?? ''].join(','),
  );
  return `${['run', 'seed', 'step', ...METRIC_COLUMNS, 'wholeTestAccuracy', 'wholeTestCount'].join(',')}\n${rows.join('\n')}\n`;
}

/** The largest configuration file Import reads (a reproduction bundle's run.json, with its results, included). */
const CONFIG_FILE_LIMIT = 2_000_000;

/** Downloads (metrics, config, trained students) and config import. */
export function ExportPanel() {
  const name = useRunName();
  const { applied, draft, status, setDraft, notify } = useSession(
    useShallow((s) => ({ applied: s.applied, draft: s.draft, status: s.status, setDraft: s.setDraft, notify: s.notify })),
  );
  const [run, setRun] = useState<string>('');
  const fileInput = useRef<HTMLInputElement>(null);
  const runs = applied?.info.runs.map((r) => r.id) ?? [];
  const chosen = runs.includes(run) ? run : (runs.at(-1) ?? '');
  const stamp = () => `pcd-${applied?.page.config.dataset ?? 'run'}-step${useSession.getState().step}`;

  const exportMetrics = (format: 'csv' | 'json') => {
    const { live, step } = useSession.getState();
    if (format === 'csv') return download(`${stamp()}-metrics.csv`, metricsCsv(live.allEvaluations()), 'text/csv');
    const superclassOf = applied?.info.superclassOf;
    const summary = applied ? raceSummary(live.allEvaluations(), runs, applied.info.totalSteps, applied.info.teacherTestAccuracy) : null;
    const json = {
      config: applied?.page,
      step,
      // Who is ahead, as the summary card says it (with its verdicts): the latest evaluation every run has.
      summary: summary ? { ...summary, sentence: summarySentence(summary, name, metricOf(applied?.info.task)) } : null,
      // One entry per run and seed.
      runs: live.seeds.flatMap((seed) =>
        runs.map((id) => ({
          id,
          seed,
          steps: live.of(seed).series[id] ?? null,
          evaluations: live
            .of(seed)
            .evaluations.filter((e) => e.id === id)
            // Per-sample results as a string of 0s and 1s (the test split's order): what the verdicts were computed from.
            .map((e) => ({
              ...e,
              // Where the dataset has superclasses: the share of samples predicted within the label's superclass.
              ...(superclassOf ? { superclassAccuracy: superclassAccuracy(e.confusion, superclassOf) } : {}),
              confusion: Array.from(e.confusion),
              correct: Array.from(e.correct ?? []).join(''),
              ...(e.whole ? { whole: { ...e.whole, correct: Array.from(e.whole.correct).join('') } } : {}),
            })),
        })),
      ),
    };
    download(`${stamp()}-metrics.json`, JSON.stringify(json), 'application/json');
  };

  const exportStudent = async () => {
    try {
      // The seed the charts follow (the first unless another was picked).
      const { live } = useSession.getState();
      const exported = await controller.exportStudent(chosen, live.seed);
      const base = `${stamp()}-${chosen}${live.seeds.length > 1 ? `-seed${live.seed}` : ''}-student`;
      const modelJson = {
        modelTopology: exported.modelTopology,
        format: exported.format,
        generatedBy: exported.generatedBy,
        convertedBy: exported.convertedBy,
        weightsManifest: [{ paths: [`${base}.weights.bin`], weights: exported.weightSpecs }],
      };
      download(`${base}.json`, JSON.stringify(modelJson), 'application/json');
      download(`${base}.weights.bin`, exported.weightData, 'application/octet-stream');
    } catch (error) {
      notify('error', `export failed: ${messageOf(error)}`);
    }
  };

  const exportReproduction = async () => {
    try {
      const { live } = useSession.getState();
      // Each evaluation on the curves' test samples, and where measured, on the whole split: reproduce.py checks both.
      const evaluations = live.allEvaluations().flatMap((e) =>
        [e, ...(e.whole ? [e.whole] : [])].map((on) => ({
          seed: e.seed,
          run: e.id,
          step: e.step,
          testCount: on.testCount,
          testAccuracy: on.testAccuracy,
          testLoss: on.testLoss,
        })),
      );
      const folder = `${stamp()}-reproduce`;
      const zip = await controller.reproduction(evaluations, folder);
      download(`${folder}.zip`, zip as Uint8Array<ArrayBuffer>, 'application/zip');
      notify('info', `${folder}.zip: unzip it and run python3 ${folder}/reproduce.py (PyTorch and numpy) to train the same run in PyTorch`);
    } catch (error) {
      notify('error', `export failed: ${messageOf(error)}`);
    }
  };

  const importConfig = async (file: File) => {
    // A configuration is a few hundred bytes; the size is checked before anything is read.
    if (file.size > CONFIG_FILE_LIMIT) {
      notify(
        'error',
        `${file.name} is ${file.size.toLocaleString('en')} bytes, more than a configuration file can be (${CONFIG_FILE_LIMIT.toLocaleString('en')} at most): nothing imported`,
      );
      return;
    }
    let raw: unknown;
    const text = await file.text();
    try {
      raw = JSON.parse(text);
    } catch (error) {
      notify('error', `${file.name} is not JSON (${messageOf(error)}): nothing imported`);
      return;
    }
    // A reproduction bundle's run.json holds the page's {config, compare} among the run's other facts.
    if (raw !== null && typeof raw === 'object' && (raw as { format?: unknown }).format === REPRODUCTION_FORMAT) {
      const { config, compare } = raw as { config?: unknown; compare?: unknown };
      raw = { config, compare };
    }
    // A number JSON reads as 0 that was written otherwise (1e-400): nothing is imported rather than a 0 nobody wrote.
    const lost = numbersLostInJson(text);
    if (lost.length) {
      notify('error', `${file.name}: ${lost.join('; ')}: nothing imported`);
      return;
    }
    const { notices, ...page } = sanitizeConfig(raw, false, null, useSession.getState().local);
    setDraft(page);
    for (const n of notices) notify('warning', `${file.name}: ${n}`);
    notify('info', `imported ${file.name} into the setup panel: press Apply to train it`);
  };

  return (
    <section className="card export" aria-labelledby="export-title" data-testid="export">
      <header className="card-header">
        <h2 id="export-title">Share and export</h2>
      </header>
      <div className="button-grid">
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard?.writeText(controller.shareUrl(draft)).then(
              () => notify('info', 'link copied'),
              () => notify('warning', `copy this link: ${controller.shareUrl(draft)}`),
            )
          }
        >
          Copy link to this setup
        </button>
        <button
          type="button"
          onClick={() => download('pcd-config.json', `${JSON.stringify(draft, null, 2)}\n`, 'application/json')}
          data-testid="export-config"
        >
          Config (JSON)
        </button>
        <button type="button" onClick={() => exportMetrics('csv')} disabled={!applied} data-testid="export-csv">
          Metrics (CSV)
        </button>
        <button type="button" onClick={() => exportMetrics('json')} disabled={!applied} data-testid="export-json">
          Metrics (JSON)
        </button>
        <button type="button" onClick={() => fileInput.current?.click()}>
          Import config…
        </button>
        <input
          ref={fileInput}
          type="file"
          accept="application/json,.json"
          hidden
          aria-label="Config file to import"
          data-testid="import-config"
          onChange={(e) => {
            const file = e.target.files?.[0];
            if (file) void importConfig(file);
            e.target.value = '';
          }}
        />
      </div>
      <div className="student-export">
        <label>
          Trained student{' '}
          <select value={chosen} onChange={(e) => setRun(e.target.value)}>
            {runs.map((id) => (
              <option key={id} value={id}>
                {name(id)}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          onClick={() => void exportStudent()}
          disabled={!applied || status === 'running' || status === 'loading'}
          data-testid="export-student"
          title={status === 'running' ? 'Pause first' : undefined}
        >
          Download (TF.js format)
        </button>
      </div>
      <p className="explain">The student downloads as model.json plus its weights file: load it with tf.loadLayersModel. Pause training first.</p>
      <div className="student-export">
        <button
          type="button"
          onClick={() => void exportReproduction()}
          disabled={!applied || status === 'running' || status === 'loading'}
          data-testid="export-reproduction"
          title={status === 'running' ? 'Pause first' : undefined}
        >
          Reproduce this run (.zip)
        </button>
      </div>
      <p className="explain">
        Everything the run depends on: the configuration and every raced run's settings, the training and test samples, the teacher's logits, each
        seed's initial weights and batch order, the results and each trained student, with <code>reproduce.py</code>, which trains the same run in
        PyTorch and loads the students (see the README).
      </p>
    </section>
  );
}
