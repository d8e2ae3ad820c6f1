import * as Comlink from 'comlink';
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset';
import { loadDataset } from '../data/load';
import { loadTeacher } from '../models/teacher';
import { selectBackend } from '../tf/backends';
import { parseTrainerConfig, type TrainerConfig } from '../train/config';
import { DistillationTrainer, type RunSpec, type StepReport } from '../train/trainer';
import type { ReportBatch, SessionInfo, SessionState, TrainingWorkerApi } from './api';

const REPORT_INTERVAL_MS = 100;

interface Session {
  config: TrainerConfig;
  runs: RunSpec[];
  dataset: Dataset;
  teacher: tf.LayersModel | null;
  teacherTestAccuracy: number | null;
  trainer: DistillationTrainer;
}

let session: Session | null = null;
let state: SessionState = 'idle';

/** The first non-finite loss or term of a step, named, or null. */
function nonFinite(report: StepReport): string | null {
  for (const run of report.runs) {
    if (!Number.isFinite(run.loss)) return `run ${run.id}, step ${report.step}: the loss is ${run.loss}`;
    for (const [term, value] of Object.entries(run.terms)) {
      if (!Number.isFinite(value)) return `run ${run.id}, step ${report.step}: loss term ${term} is ${value}`;
    }
  }
  return null;
}

const api: TrainingWorkerApi = {
  initBackend: (order) => selectBackend(order),

  async configure(input, runs, siteUrl) {
    const config = parseTrainerConfig(input); // throws ConfigError; the old session is untouched
    const reuse = session && session.config.dataset === config.dataset ? session : null;
    const dataset = reuse ? reuse.dataset : await loadDataset(config.dataset, siteUrl);
    const needsTeacher = runs.some((r) => r.method.method !== 'ce');
    let teacher = reuse?.teacher ?? null;
    let teacherTestAccuracy = reuse?.teacherTestAccuracy ?? null;
    if (needsTeacher && !teacher) {
      const loaded = await loadTeacher(config.dataset, siteUrl);
      teacher = loaded.model;
      teacherTestAccuracy = loaded.metadata.testAccuracy;
    }
    const trainer = new DistillationTrainer(config, runs, dataset, teacher);
    if (session) {
      session.trainer.dispose();
      if (session.teacher && session.teacher !== teacher) session.teacher.dispose();
    }
    session = { config, runs, dataset, teacher, teacherTestAccuracy, trainer };
    state = 'paused';
    return { totalSteps: trainer.totalSteps, stepsPerEpoch: trainer.stepsPerEpoch, teacherTestAccuracy } satisfies SessionInfo;
  },

  async start(onReport) {
    if (!session) throw new Error('no session: call configure first');
    if (state === 'running') return;
    state = 'running';
    let pending: StepReport[] = [];
    let lastSent = performance.now();
    const send = (extra: Partial<ReportBatch> = {}) => {
      onReport({ state, steps: pending, ...extra });
      pending = [];
      lastSent = performance.now();
    };
    while (state === 'running' && session && !session.trainer.done) {
      const report = await session.trainer.trainStep();
      pending.push(report);
      const problem = nonFinite(report);
      if (problem) {
        state = 'paused';
        send({ message: `paused: ${problem}` });
        return;
      }
      if (performance.now() - lastSent >= REPORT_INTERVAL_MS) send();
    }
    if (session?.trainer.done) state = 'done';
    send();
  },

  pause() {
    if (state === 'running') state = 'paused';
  },

  async step() {
    if (!session) throw new Error('no session: call configure first');
    if (state === 'running') throw new Error('training is running: pause first');
    const report = await session.trainer.trainStep();
    if (session.trainer.done) state = 'done';
    return report;
  },

  async reset() {
    if (!session) throw new Error('no session: call configure first');
    if (state === 'running') throw new Error('training is running: pause first');
    state = 'paused';
    session.trainer.dispose();
    session.trainer = new DistillationTrainer(session.config, session.runs, session.dataset, session.teacher);
  },

  state: () => state,
};

Comlink.expose(api);
