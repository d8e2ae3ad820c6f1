// The training worker's side of "Your data": takes a dataset the import worker read
// (src/import/import.worker.ts), checks its teacher model with TF.js, keeps it in IndexedDB
// and in memory, and hands it to the training session.
import type * as tf from '@tensorflow/tfjs';
import { logitsOrderCaution } from './column-order';
import { localFacts } from './local-dataset';
import type { LocalFacts } from '../models/catalog';
import { IMPORT_CANCELLED, type LocalRead } from './local-transfer';
import { clearLocal, readLocal, saveLocal, type LocalData } from './local-store';
import { accuracyOf, checkTeacherModel, loadModel } from './local-teacher';
import { LogitsFileError } from './logits-file';

/** What an import tells the page: the facts, a caution when the teacher looks wrong, what was skipped. */
export interface LocalImportResult {
  facts: LocalFacts;
  caution?: string;
  skipped?: string;
  /** What resizing did to an image folder ("images resized to 28 × 28 from 8 × 8"). */
  resized?: string;
}

/** Raised (and said as "cancelled") when the page cancels an import during the teacher's check. */
export class ImportCancelled extends Error {
  constructor() {
    super(IMPORT_CANCELLED);
    this.name = 'ImportCancelled';
  }
}
/**
 * The training worker's local dataset: the one it holds in memory (read from IndexedDB after
 * a reload) and an import's cancel flag. The worker makes one and gives it to its session
 * (src/train/session.ts), which reads the dataset only through it.
 */
export class LocalDatasets {
  private current: { facts: LocalFacts; data: LocalData } | null = null;
  private cancelRequested = false;

  /** Asks an import in its teacher check to stop at its next chunk (the page's Cancel). */
  cancel(): void {
    this.cancelRequested = true;
  }

  /**
   * Takes a dataset read by the import worker (src/import/local-read.ts), checks its teacher
   * (a model: loaded on the backend in use and run on the test split, in chunks, so a running
   * session goes on between them), and only then replaces the previous one, in memory and in
   * IndexedDB: any refusal leaves that one as it was.
   */
  async adopt(read: LocalRead, onProgress?: (progress: { what: string; done: number; total: number }) => void): Promise<LocalImportResult> {
    this.cancelRequested = false;
    const { dataset } = read;
    const classes = dataset.classNames.length;
    let data: LocalData;
    let teacherFacts: LocalFacts['teacher'];
    let accuracy: number;
    if (read.teacher.kind === 'logits') {
      accuracy = accuracyOf(dataset.test.teacherLogits!, dataset.test.labels, classes);
      data = { dataset, teacher: null };
      teacherFacts = { kind: 'logits', file: read.teacher.file.slice(0, 80) };
    } else {
      const { artifacts } = read.teacher;
      const what = `checking the teacher on the ${dataset.test.count.toLocaleString('en')} test samples`;
      onProgress?.({ what, done: 0, total: dataset.test.count });
      const model = await loadModel(artifacts);
      try {
        accuracy = await checkTeacherModel(model, dataset, 'model.json', (done) => {
          if (this.cancelRequested) throw new ImportCancelled();
          onProgress?.({ what, done, total: dataset.test.count });
        });
        teacherFacts = {
          kind: 'model',
          description: model.layers
            .map((l) => l.getClassName())
            .join(' → ')
            .slice(0, 120),
          parameters: model.countParams(),
        };
      } finally {
        model.dispose();
      }
      data = { dataset, teacher: artifacts };
    }
    if (this.cancelRequested) throw new ImportCancelled();
    const facts = localFacts(dataset, teacherFacts, accuracy);
    onProgress?.({ what: 'keeping the dataset in this browser', done: 0, total: 0 });
    await saveLocal(facts, data);
    this.current = { facts, data };
    const chance = 1 / classes;
    // Logits columns in another order than the classes': named from the labels, class by class (both splits).
    const order = read.teacher.kind === 'logits' ? logitsOrderCaution(dataset) : null;
    const caution =
      order ??
      (accuracy <= Math.min(0.99, 1.5 * chance)
        ? `the teacher is right on only ${(accuracy * 100).toFixed(1)}% of the test samples (chance is ${(chance * 100).toFixed(1)}%): ${read.teacher.kind === 'logits' ? "are its rows in the dataset's order?" : 'does it expect the inputs as given (images in 0…1, height × width × channels)?'}`
        : undefined);
    return {
      facts,
      ...(caution ? { caution } : {}),
      ...(read.skipped ? { skipped: read.skipped } : {}),
      ...(read.resized ? { resized: read.resized } : {}),
    };
  }

  /**
   * Another tab replaced or forgot the stored dataset: what this worker holds is not what the
   * store holds any more. The running session keeps the dataset object it was configured with;
   * the next Apply (or a recovery, which then refuses) reads the store again.
   */
  changedElsewhere(): void {
    this.current = null;
  }

  /** The local dataset in memory, read from IndexedDB after a reload. */
  async ensure(): Promise<{ facts: LocalFacts; data: LocalData }> {
    if (!this.current) {
      // Checked as it is read; a record that fails is dropped, and its error says so.
      const stored = await readLocal();
      if (!stored) throw new LogitsFileError('local dataset', null, 'none is kept in this browser: load one with "Your data"');
      this.current = stored;
    }
    return this.current;
  }

  /** The local dataset and a fresh teacher model (on the backend in use) for a session. */
  async open(): Promise<{ data: LocalData; teacher: tf.LayersModel | null; facts: LocalFacts }> {
    const { facts, data } = await this.ensure();
    const teacher = data.teacher ? await loadModel(data.teacher) : null;
    return { data, teacher, facts };
  }

  /** The facts of the local dataset held now (what configurations are checked against), or null. */
  factsNow(): LocalFacts | null {
    return this.current?.facts ?? null;
  }

  /** The local dataset in memory now (null before one is loaded or opened). */
  datasetNow(): LocalData['dataset'] | null {
    return this.current?.data.dataset ?? null;
  }

  /** Forgets the local dataset (memory and IndexedDB). */
  async forget(): Promise<void> {
    await clearLocal();
    this.current = null;
  }
}
