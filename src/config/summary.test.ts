import { describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../train/session-reports';
import { raceSummary, summarySentence } from './summary';

const evaluation = (id: string, step: number, testAccuracy: number, testCount = 4000) => ({ id, step, testAccuracy, testCount }) as EvaluationReport;

describe('the race summary', () => {
  it('takes the latest step every run was evaluated at, best first, with gains over CE', () => {
    const evaluations = [
      evaluation('ce', 16, 0.3),
      evaluation('kd', 16, 0.25),
      evaluation('pcd', 16, 0.28),
      evaluation('ce', 32, 0.5),
      evaluation('kd', 32, 0.6),
      evaluation('pcd', 32, 0.55),
      evaluation('ce', 48, 0.52), // the others have not reported step 48 yet
    ];
    const summary = raceSummary(evaluations, ['ce', 'kd', 'pcd'], 64, 0.9)!;
    expect(summary.step).toBe(32);
    expect(summary.final).toBe(false);
    expect(summary.rows.map((r) => r.id)).toEqual(['kd', 'pcd', 'ce']);
    expect(summary.rows[0].gainOverCe).toBeCloseTo(10, 10);
    expect(summary.rows[1].gainOverCe).toBeCloseTo(5, 10);
    expect(summary.rows[2].gainOverCe).toBeNull();
    expect(summary.rows[0].gapToTeacher).toBeCloseTo(30, 10);
    expect(summary.testCount).toBe(4000);
    expect(summarySentence(summary)).toBe(
      'At step 32 of 64: KD leads with 60.0%; PCD 55.0%, CE 50.0%. Over CE (no teacher): KD +10.0, PCD +5.0 points. The teacher has 90.0%.',
    );
  });

  it('says who won at the end, and a loss to CE as a negative gain', () => {
    const summary = raceSummary([evaluation('ce', 64, 0.6, 1000), evaluation('pcd', 64, 0.55, 1000)], ['ce', 'pcd'], 64, null)!;
    expect(summary.final).toBe(true);
    expect(summary.testCount).toBe(1000);
    expect(summarySentence(summary)).toBe('After all 64 steps: CE won with 60.0%; PCD 55.0%. Over CE (no teacher): PCD −5.0 points.');
  });

  it('has nothing to say before every run has an evaluation, and ignores runs of another session', () => {
    expect(raceSummary([evaluation('ce', 16, 0.3)], ['ce', 'kd'], 64, 0.9)).toBeNull();
    expect(raceSummary([], [], 64, 0.9)).toBeNull();
    const summary = raceSummary([evaluation('kd', 16, 0.3), evaluation('old', 16, 0.9)], ['kd'], 64, 0.9)!;
    expect(summary.rows.map((r) => r.id)).toEqual(['kd']);
    expect(summarySentence(summary)).toBe('At step 16 of 64: KD has 30.0%. The teacher has 90.0%.');
  });
});
