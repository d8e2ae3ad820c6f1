// "Your data" on the page's side: a dataset of one's own read in the import worker, handed to
// the training worker (its teacher checked there), cancelled, forgotten, or changed by another tab.
import * as Comlink from 'comlink';
import { DEFAULT_PRESET } from '../../config/presets';
import { IMPORT_CANCELLED, transferables } from '../../import/local-transfer';
import type { LocalFacts } from '../../models/catalog';
import type { LocalImportRequest, LocalImportResult, PrepareProgress, TrainingWorkerApi } from '../../worker/api';
import { startImportWorker } from '../../worker/bridge';
import { announceLocal } from './local-tabs';
import { useSession } from './session-store';

/** What the actions need of the controller: the training worker. */
interface TrainingWorker {
  readonly api: Comlink.Remote<TrainingWorkerApi>;
  readonly started: boolean;
}

export class LocalDataActions {
  constructor(private readonly training: TrainingWorker) {}

  private get store() {
    return useSession.getState();
  }

  /** The import under way: Cancel terminates its worker (reading) or stops the teacher's check. */
  private importing: { cancel: () => void } | null = null;

  /**
   * Loads a dataset of one's own: read and parsed in a worker of its own (a long parse stalls
   * neither training nor the page), then its teacher checked and the dataset kept by the
   * training worker. A refusal or a cancel changes nothing; the panel says it.
   */
  async importLocal(request: LocalImportRequest): Promise<LocalImportResult> {
    const { store } = this;
    // A progress message comes on a port of its own and may land after the import ended: only this import's, while it runs.
    let running = true;
    const progress = Comlink.proxy((p: PrepareProgress) => void (running && useSession.getState().setLocalProgress(p)));
    store.setLocalProgress({ what: 'reading the files', done: 0, total: 0 });
    const reader = startImportWorker();
    let cancelled = false;
    const cancelledError = () => new Error(IMPORT_CANCELLED);
    let stop: () => void = () => undefined;
    const stopped = new Promise<never>((_, reject) => (stop = () => reject(cancelledError())));
    stopped.catch(() => undefined);
    this.importing = {
      cancel: () => {
        cancelled = true;
        reader.terminate();
        void Promise.resolve(this.training.api.cancelImport()).catch(() => undefined);
        stop();
      },
    };
    try {
      const read = await Promise.race([reader.api.read(request, progress), reader.failed, stopped]);
      reader.terminate();
      if (cancelled) throw cancelledError();
      const result = await this.training.api.adoptLocal(Comlink.transfer(read, transferables(read)), progress);
      store.setLocal(result.facts);
      announceLocal(result.facts);
      return result;
    } finally {
      running = false;
      reader.terminate();
      this.importing = null;
      useSession.getState().setLocalProgress(null);
    }
  }

  /** The panel's Cancel: the import stops where it is and nothing changes. */
  cancelImport(): void {
    this.importing?.cancel();
  }

  /** Forgets the local dataset; a page on it goes back to the default preset. */
  async forgetLocal(): Promise<void> {
    await this.training.api.forgetLocal();
    this.store.setLocal(null);
    announceLocal(null);
    if (this.store.draft.config.dataset === 'local') this.store.setDraft(structuredClone(DEFAULT_PRESET.page));
  }

  /**
   * Another tab of this site replaced (facts) or forgot (null) the stored dataset. This tab's
   * run goes on with the data it started with, and says so; the next Apply takes the new one.
   */
  localChangedElsewhere(facts: LocalFacts | null): void {
    const { store } = this;
    store.setLocal(facts);
    if (this.training.started) void Promise.resolve(this.training.api.localChangedElsewhere(facts)).catch(() => undefined);
    const onLocal = store.applied?.page.config.dataset === 'local' || store.draft.config.dataset === 'local';
    if (!onLocal) return;
    store.notify(
      'warning',
      facts
        ? `your stored dataset was replaced in another tab (now ${facts.name}): this run goes on with the one it started on; Apply to train on the new one`
        : 'your stored dataset was forgotten in another tab: this run goes on with the data it started on; load a dataset again to Apply on it',
    );
    if (!facts && store.draft.config.dataset === 'local') store.setDraft(structuredClone(DEFAULT_PRESET.page));
  }
}
