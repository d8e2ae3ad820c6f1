import * as Comlink from 'comlink';
import { selectBackend } from '../tf/backends';
import type { TrainingWorkerApi } from './api';

const api: TrainingWorkerApi = {
  initBackend: (order) => selectBackend(order),
};

Comlink.expose(api);
