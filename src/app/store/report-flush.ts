// The worker's reports into the store: every batch received since the last flush applied in
// one store update (the controller flushes at most every FLUSH_MS).
import type { ReportBatch } from '../../worker/api';
import { appendEvaluations, appendProbe, appendSteps, useSession } from './session-store';
import type { StepRate } from './step-rate';

/** Applies `batches` (in order) to the store: steps, evaluations, probes, messages, status, throughput. */
export function applyReports(batches: ReportBatch[], rate: StepRate): void {
  const store = useSession.getState();
  const { live } = store;
  let status = store.status;
  let step = store.step;
  let epoch = store.epoch;
  for (const batch of batches) {
    appendSteps(live, batch.steps);
    appendEvaluations(live, batch.evaluations);
    if (batch.probe) appendProbe(live, batch.probe);
    const last = batch.steps.at(-1);
    if (last) {
      step = last.step + 1;
      epoch = last.epoch;
    }
    if (batch.message) {
      // Told by a field of the contract, never by matching the words.
      const lost = batch.paused?.kind === 'device-lost';
      store.notify(lost ? 'error' : 'warning', batch.message);
      if (lost) status = 'lost';
    }
    if (status !== 'lost')
      status = batch.state === 'running' ? 'running' : batch.state === 'done' ? 'done' : batch.state === 'paused' ? 'paused' : status;
  }
  // An evaluation under way holds the steps: said (with progress), and not counted as a slow-down
  // of training (the rate restarts after it), so the time left does not jump at every epoch.
  const evaluating = status === 'running' ? (batches.at(-1)!.evaluating ?? null) : null;
  const smoothed = rate.update(performance.now(), step, !!(evaluating || store.evaluating), store.throughput?.stepsPerSecond ?? null);
  const batchSize = store.applied?.page.config.batchSize ?? 0;
  store.reportsApplied(
    {
      status,
      step,
      epoch,
      evaluating,
      lastStepsPerSecond: status === 'running' && smoothed !== null ? smoothed : store.lastStepsPerSecond,
      throughput:
        status === 'done'
          ? null
          : smoothed === null || status !== 'running'
            ? store.throughput
            : { stepsPerSecond: smoothed, samplesPerSecond: smoothed * batchSize },
    },
    batches.some((b) => b.evaluations.length > 0),
  );
}
