/**
 * The training speed the header shows: steps per second over the last ~3 s, smoothed (steps
 * come in bursts), restarted after an evaluation (which holds the steps: it is said, not
 * counted as a slow-down, so the time left does not jump at every epoch).
 */
export class StepRate {
  /** (time, step) pairs of the last few seconds. */
  private points: { time: number; step: number }[] = [];

  /** Starts measuring afresh (a new configuration; Play, from `step` at `now`). */
  restart(now?: number, step?: number): void {
    this.points = now === undefined || step === undefined ? [] : [{ time: now, step }];
  }

  /** The smoothed steps per second at `now` (ms), or null until half a second is measured. */
  update(now: number, step: number, evaluating: boolean, previous: number | null): number | null {
    if (evaluating) this.points = [{ time: now, step }];
    else this.points.push({ time: now, step });
    while (this.points.length > 2 && now - this.points[0].time > 3000) this.points.shift();
    const first = this.points[0];
    const seconds = (now - first.time) / 1000;
    const stepsPerSecond = seconds > 0.5 ? (step - first.step) / seconds : null;
    if (stepsPerSecond === null) return null;
    return previous ? 0.7 * previous + 0.3 * stepsPerSecond : stepsPerSecond;
  }
}
