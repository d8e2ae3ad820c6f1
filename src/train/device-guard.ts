// A lost GPU device, watched: WebGPU says `device.lost` (the worker relays it); until then,
// reads on a dead device may never settle or fail first. The guard races every piece of GPU
// work against that signal, so a session pauses with a message instead of hanging.
import { TrainingStopped } from './reports';

/** How long a failed GPU read waits for the device-lost signal before it counts as an error. */
const LOSS_GRACE_MS = 2000;

export class DeviceGuard {
  /** Why the device was lost, once it was. */
  lostReason: string | null = null;
  private signal: (() => void) | null = null;

  /** The device is gone: a piece of work waiting on it stops waiting. */
  lose(reason: string): void {
    this.lostReason = reason || 'unknown reason';
    this.signal?.();
  }

  /** A new device (after a recovery): the guard watches again. */
  reset(): void {
    this.lostReason = null;
  }

  /**
   * `work`'s result, or null as soon as the device is lost: a dead device's reads may
   * never settle, or fail before `device.lost` is signalled (so a failure waits a moment
   * for that signal before it counts as an error of its own). A pause
   * ({@link TrainingStopped}) passes through.
   */
  async whileAlive<T>(work: Promise<T>): Promise<T | null> {
    if (this.lostReason) {
      work.catch(() => undefined); // started already; nobody will read it
      return null;
    }
    const lost = new Promise<null>((resolve) => (this.signal = () => resolve(null)));
    // Once the device-lost signal has won the race nobody awaits `work` any more: its later
    // failure (a pause stopping it, a read on the dead device) must not become an unhandled rejection.
    let settled = false;
    try {
      return await Promise.race([
        work.catch(async (error: unknown) => {
          if (settled) return null;
          if (error instanceof TrainingStopped) throw error; // a pause, not a device fault
          await Promise.race([lost, new Promise((resolve) => setTimeout(resolve, LOSS_GRACE_MS))]);
          if (this.lostReason || settled) return null;
          throw error;
        }),
        lost,
      ]);
    } finally {
      settled = true;
      this.signal = null;
    }
  }
}
