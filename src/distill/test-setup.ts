import { selectBackend } from '../tf/backends';

/** Every unit test of the loss code runs on the TF.js CPU backend in Node. */
export async function useCpuBackend(): Promise<void> {
  await selectBackend(['cpu']);
}
