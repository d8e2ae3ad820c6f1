// The worker's event loop, let in between pieces of training work.

/**
 * Lets the host's queued events run (the worker's incoming messages: pause, stop, a live
 * change). On the CPU backend a step's reads resolve as microtasks, so without this a
 * running loop would never let a pause in.
 */
export function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') {
      setImmediate(resolve);
      return;
    }
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
