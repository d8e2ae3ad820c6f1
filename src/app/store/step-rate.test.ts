import { describe, expect, it } from 'vitest';
import { StepRate } from './step-rate';

describe('the steps per second the header shows', () => {
  it('waits for half a second, smooths, and restarts after an evaluation', () => {
    const rate = new StepRate();
    rate.restart(0, 0);
    expect(rate.update(400, 4, false, null)).toBeNull(); // under half a second measured
    expect(rate.update(1000, 10, false, null)).toBe(10);
    // Smoothed: 0.7 of the previous value, 0.3 of the new one (30 steps in 2 s: 15 a second).
    expect(rate.update(2000, 30, false, 10)).toBeCloseTo(0.7 * 10 + 0.3 * 15);
    // An evaluation holds the steps: the window starts again, so the pause is not a slow-down.
    expect(rate.update(6000, 30, true, 10.5)).toBeNull();
    expect(rate.update(7000, 40, false, 10.5)).toBeCloseTo(0.7 * 10.5 + 0.3 * 10);
  });
});
