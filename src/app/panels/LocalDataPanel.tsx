import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { LOCAL_LIMITS } from '../../import/local-limits';
import type { LocalImportRequest } from '../../worker/api';
import { localTrainingPlan } from '../../config/local-plan';
import { controller } from '../store/controller-instance';
import { useSession } from '../store/session-store';
import { useDropZone } from './use-drop';
import { Fieldset } from './Field';
import { megabytes as MB } from '../../data/text';

type Picked = { file: File; path: string }[];

/** Every file under the dropped folders, with its path from the dropped folder (`folder/class/image.png`). */
async function droppedFiles(items: DataTransferItemList): Promise<Picked> {
  const out: Picked = [];
  const walk = async (entry: FileSystemEntry, prefix: string): Promise<void> => {
    if (out.length > LOCAL_LIMITS.samples + 1000) return; // refused by the plan anyway; stop reading
    if (entry.isFile) {
      const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
      out.push({ file, path: `${prefix}${entry.name}` });
      return;
    }
    const reader = (entry as FileSystemDirectoryEntry).createReader();
    // readEntries answers in chunks (100 in Chromium) until an empty one.
    for (;;) {
      const chunk = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
      if (!chunk.length) break;
      for (const child of chunk) await walk(child, `${prefix}${entry.name}/`);
    }
  };
  const entries = Array.from(items)
    .map((item) => item.webkitGetAsEntry())
    .filter((e): e is FileSystemEntry => !!e);
  for (const entry of entries) await walk(entry, '');
  return out;
}

/** A class name as a line of text shows it: the whole name forms the class, only the display is cut. */
const shortName = (name: string) => (name.length > 40 ? `${name.slice(0, 39)}…` : name);

function Choice<T extends string>({
  name,
  value,
  options,
  onChange,
}: {
  name: string;
  value: T;
  options: { value: T; label: string }[];
  onChange: (v: T) => void;
}) {
  return (
    <div className="local-choice" role="radiogroup" aria-label={name}>
      {options.map((o) => (
        <label key={o.value}>
          <input type="radio" name={name} value={o.value} checked={value === o.value} onChange={() => onChange(o.value)} /> {o.label}
        </label>
      ))}
    </div>
  );
}

/**
 * "Your data": a dataset of one's own (a CSV of features, or a folder of images with one
 * sub-folder per class) and its teacher (a TF.js Layers model, or its logits as a file),
 * read and checked in the worker, kept in this browser's IndexedDB, then trained on like
 * the built-in datasets. Nothing is uploaded.
 */
export function LocalDataPanel() {
  const { local, progress } = useSession(useShallow((s) => ({ local: s.local, progress: s.localProgress })));
  const [kind, setKind] = useState<'csv' | 'images'>('images');
  const [csv, setCsv] = useState<File | null>(null);
  const [labelColumn, setLabelColumn] = useState('');
  const [superclassColumn, setSuperclassColumn] = useState('');
  const [images, setImages] = useState<Picked>([]);
  const [size, setSize] = useState(28);
  const [channels, setChannels] = useState<'1' | '3'>('1');
  const [teacherKind, setTeacherKind] = useState<'model' | 'logits'>('model');
  const [modelFiles, setModelFiles] = useState<File[]>([]);
  const [logitsFile, setLogitsFile] = useState<File | null>(null);
  const [testShare, setTestShare] = useState(0.2);
  const [seed, setSeed] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const [caution, setCaution] = useState<string | null>(null);
  const [skipped, setSkipped] = useState<string | null>(null);
  const [resized, setResized] = useState<string | null>(null);
  const drop = useDropZone(
    (data) => void droppedFiles(data.items).then(setImages, (err: Error) => setError(`the dropped folder could not be read: ${err.message}`)),
  );
  const busy = progress !== null;

  const close = () => useSession.getState().openLocalPanel(false);
  // It opens at the top of the page: focus goes there with it (not left 880 px below, on the link that opened it).
  useEffect(() => document.getElementById('local-title')?.focus(), []);
  const ready = (kind === 'csv' ? !!csv : images.length > 0) && (teacherKind === 'model' ? modelFiles.length > 0 : !!logitsFile);

  const load = async () => {
    setError(null);
    setCaution(null);
    setSkipped(null);
    setResized(null);
    const request: LocalImportRequest = {
      dataset:
        kind === 'csv'
          ? {
              kind: 'csv',
              file: csv!,
              ...(labelColumn.trim() ? { labelColumn: labelColumn.trim() } : {}),
              ...(superclassColumn.trim() ? { superclassColumn: superclassColumn.trim() } : {}),
            }
          : { kind: 'images', files: images.map((p) => p.file), paths: images.map((p) => p.path), size, channels: Number(channels) as 1 | 3 },
      split: { testShare, seed },
      teacher: teacherKind === 'model' ? { kind: 'model', files: modelFiles } : { kind: 'logits', file: logitsFile! },
    };
    try {
      const result = await controller.local.importLocal(request);
      setCaution(result.caution ?? null);
      setSkipped(result.skipped ?? null);
      setResized(result.resized ?? null);
    } catch (e) {
      // Refused: nothing changed, the dataset kept before (if any) is still there.
      setError(`${(e as Error).message}${local ? ` (still kept: ${local.name})` : ''}`);
    }
  };

  // What "Train on it" trains, and why (config/local-plan.ts).
  const plan = local ? localTrainingPlan(local) : null;
  const train = () => {
    if (!plan) return;
    useSession.getState().setDraft({ config: plan.config, compare: ['ce', 'kd', 'dkd'] });
    close();
    void controller.apply();
  };

  return (
    <section className="card local-panel" aria-labelledby="local-title" data-testid="local-panel">
      <header className="card-header">
        <h2 id="local-title" tabIndex={-1}>
          Your data
        </h2>
        <button type="button" onClick={close} data-testid="local-close">
          Close
        </button>
      </header>
      <p className="explain">
        Train the students on a dataset of your own, against your own teacher. The files are read in this page and kept in this browser&rsquo;s
        storage (IndexedDB) so a reload keeps them; nothing is uploaded, and a link says only <code>dataset=local</code>. Limits:{' '}
        {LOCAL_LIMITS.samples.toLocaleString('en')} samples, {LOCAL_LIMITS.featuresPerSample.toLocaleString('en')} values per sample,{' '}
        {LOCAL_LIMITS.classes.toLocaleString('en')} classes, a CSV or logits file of {MB(LOCAL_LIMITS.csvBytes)}, {MB(LOCAL_LIMITS.imageBytes)} of
        images, {MB(LOCAL_LIMITS.modelBytes)} of model files.
      </p>

      <Fieldset className="local-step" legend="1. Dataset">
        <Choice
          name="Dataset kind"
          value={kind}
          onChange={setKind}
          options={[
            { value: 'images', label: 'A folder of images, one sub-folder per class' },
            { value: 'csv', label: 'A CSV of features and a label column' },
          ]}
        />
        {kind === 'csv' ? (
          <div className="local-fields">
            <label>
              CSV file <input type="file" accept=".csv,text/csv" onChange={(e) => setCsv(e.target.files?.[0] ?? null)} data-testid="local-csv" />
            </label>
            <label>
              Label column{' '}
              <input
                type="text"
                value={labelColumn}
                placeholder="label, target, class, y (else the last)"
                onChange={(e) => setLabelColumn(e.target.value)}
              />
            </label>
            <label>
              Superclass column{' '}
              <input type="text" value={superclassColumn} placeholder="(none)" onChange={(e) => setSuperclassColumn(e.target.value)} />
            </label>
          </div>
        ) : (
          <div className={`local-drop${drop.dragging ? ' dragging' : ''}`} {...drop.handlers}>
            <label>
              Image folder{' '}
              <input
                type="file"
                // The browser's folder picker: every file below the chosen folder, with its relative path.
                {...({ webkitdirectory: '' } as object)}
                multiple
                onChange={(e) => setImages(Array.from(e.target.files ?? [], (file) => ({ file, path: file.webkitRelativePath || file.name })))}
                data-testid="local-folder"
              />
            </label>
            <span> or drop the folder here.</span>
            {images.length ? (
              <p data-testid="local-folder-count">
                {images.length.toLocaleString('en')} files in {images[0].path.split('/')[0]}
              </p>
            ) : null}
            <div className="local-fields">
              <label>
                Resize to{' '}
                <input
                  type="number"
                  min={LOCAL_LIMITS.imageSize[0]}
                  max={LOCAL_LIMITS.imageSize[1]}
                  step={1}
                  value={size}
                  onChange={(e) => setSize(Number(e.target.value))}
                  data-testid="local-size"
                />{' '}
                px square
              </label>
              <label>
                Colour{' '}
                <select value={channels} onChange={(e) => setChannels(e.target.value as '1' | '3')}>
                  <option value="1">grayscale (1 channel)</option>
                  <option value="3">RGB (3 channels)</option>
                </select>
              </label>
            </div>
          </div>
        )}
      </Fieldset>

      <Fieldset className="local-step" legend="2. Teacher">
        <Choice
          name="Teacher kind"
          value={teacherKind}
          onChange={setTeacherKind}
          options={[
            { value: 'model', label: 'A TF.js Layers model (model.json and its .bin files)' },
            { value: 'logits', label: 'Its logits for every sample, as a file' },
          ]}
        />
        {teacherKind === 'model' ? (
          <label>
            Model files{' '}
            <input
              type="file"
              multiple
              accept=".json,.bin"
              onChange={(e) => setModelFiles(Array.from(e.target.files ?? []))}
              data-testid="local-model"
            />
          </label>
        ) : (
          <label>
            Logits file (.npy, .csv, .json; one row per sample, in the dataset&rsquo;s order){' '}
            <input type="file" accept=".npy,.csv,.json" onChange={(e) => setLogitsFile(e.target.files?.[0] ?? null)} data-testid="local-logits" />
          </label>
        )}
      </Fieldset>

      <Fieldset className="local-step" legend="3. Split">
        <div className="local-fields">
          <label>
            Test share{' '}
            <input
              type="number"
              min={0.05}
              max={0.5}
              step={0.05}
              value={testShare}
              onChange={(e) => setTestShare(Number(e.target.value))}
              data-testid="local-test-share"
            />
          </label>
          <label>
            Split seed <input type="number" min={0} step={1} value={seed} onChange={(e) => setSeed(Number(e.target.value))} />
          </label>
        </div>
      </Fieldset>

      <div className="local-actions">
        <button type="button" className="primary" disabled={!ready || busy} onClick={() => void load()} data-testid="local-load">
          Load
        </button>
        {progress ? (
          <>
            <span role="status" data-testid="local-progress">
              {progress.what}
              {progress.total ? ` (${progress.done.toLocaleString('en')} / ${progress.total.toLocaleString('en')})` : '…'}
            </span>
            <button type="button" onClick={() => controller.local.cancelImport()} data-testid="local-cancel">
              Cancel
            </button>
          </>
        ) : null}
      </div>
      {error ? (
        <p className="form-error" role="alert" data-testid="local-error">
          {error}
        </p>
      ) : null}
      {local ? (
        <div className="local-current" data-testid="local-current">
          <p>
            Kept in this browser: <strong>{local.name}</strong>, {local.classNames.length} classes (
            {local.classNames.slice(0, 6).map(shortName).join(', ')}
            {local.classNames.length > 6 ? ', …' : ''}), samples of shape [{local.featureShape.join(' × ')}], {local.trainCount.toLocaleString('en')}{' '}
            for training and {local.testCount.toLocaleString('en')} for testing. Teacher:{' '}
            {local.teacher.kind === 'model'
              ? `your model, ${local.teacher.parameters.toLocaleString('en')} parameters`
              : `logits from ${local.teacher.file}`}
            , <span data-testid="local-teacher-accuracy">{(local.teacherTestAccuracy * 100).toFixed(1)}%</span> right on the test split.
          </p>
          {skipped ? <p data-testid="local-skipped">{skipped}.</p> : null}
          {resized ? <p data-testid="local-resized">{resized.charAt(0).toUpperCase() + resized.slice(1)}.</p> : null}
          {caution ? (
            <p className="warning" role="alert">
              Caution: {caution}
            </p>
          ) : null}
          {plan ? (
            <p className="explain" data-testid="local-plan">
              Train on it trains {plan.basis}
            </p>
          ) : null}
          <div className="local-actions">
            <button type="button" className="primary" onClick={train} data-testid="local-train">
              Train on it (PCD against CE, KD, DKD)
            </button>
            <button type="button" onClick={() => void controller.local.forgetLocal().then(() => setCaution(null))} data-testid="local-forget">
              Forget it
            </button>
          </div>
        </div>
      ) : null}
    </section>
  );
}
