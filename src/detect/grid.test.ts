import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../data/random';
import { sampleCells, NEGATIVES_PER_POSITIVE } from './cells';
import { nonMaximumSuppression, sceneDetections, type Detection } from './detections';
import { CELLS, cellOf, cellTargets, decodeBox, GRID } from './grid';
import type { SceneBox } from './scenes';

const box = (label: number, x: number, y: number, width: number, height: number): SceneBox => ({ label, x, y, width, height });

describe('the grid detector’s targets', () => {
  it('give a box to the cell of its centre, with offsets and log sizes that decode back to it', () => {
    const b = box(7, 10, 20, 14, 22); // centre (17, 31): column 2, row 3
    expect(cellOf(b)).toBe(3 * GRID + 2);
    const t = cellTargets([b], 10);
    expect(t.classes[26]).toBe(7);
    expect(t.boxOf[26]).toBe(0);
    expect(Array.from(t.boxes.subarray(26 * 4, 27 * 4))).toEqual(
      [17 / 8 - 2, 31 / 8 - 3, Math.fround(Math.log(14 / 16)), Math.fround(Math.log(22 / 16))].map(Math.fround),
    );
    const decoded = decodeBox(26, t.boxes, 26 * 4);
    [10, 20, 14, 22].forEach((v, i) => expect(decoded[i]).toBeCloseTo(v, 5));
    // Every other cell is background (class 10), with zero box targets.
    expect(Array.from(t.classes).filter((c) => c === 10)).toHaveLength(CELLS - 1);
    expect(t.boxes.reduce((n, v, i) => n + (Math.floor(i / 4) === 26 ? 0 : Math.abs(v)), 0)).toBe(0);
  });

  it('give a cell two centres fall in to the box whose centre is nearer the cell’s centre, then the larger', () => {
    const near = box(1, 0, 0, 8, 8); // centre (4, 4): the cell's centre
    const far = box(2, 0, 0, 15, 15); // centre (7.5, 7.5)
    expect(cellTargets([far, near], 10).classes[0]).toBe(1);
    expect(cellTargets([near, far], 10).classes[0]).toBe(1);
    const small = box(3, 2, 2, 4, 4); // centre (4, 4), area 16
    expect(cellTargets([small, near], 10).classes[0]).toBe(1);
    expect(cellTargets([near, small], 10).boxOf[0]).toBe(0);
  });
});

describe('detections from the grid', () => {
  it('suppress a lower-scored box overlapping a kept one by IoU over 0.5, keep one overlapping less', () => {
    const d = (score: number, x: number): Detection => ({ label: 0, score, box: [x, 0, 10, 10] });
    const kept = nonMaximumSuppression([d(0.5, 2), d(0.9, 0), d(0.8, 5)]);
    // (2: IoU 8/12 with the best, removed; 5: IoU 5/15, kept)
    expect(kept.map((k) => k.score)).toEqual([0.9, 0.8]);
  });

  it('score every digit class of a cell by its softmax, decode its box, and leave background out', () => {
    const classes = 10;
    const logits = new Float32Array(CELLS * (classes + 1)).fill(0);
    const boxes = new Float32Array(CELLS * 4);
    for (let cell = 0; cell < CELLS; cell++) logits[cell * 11 + 10] = 10; // background everywhere…
    logits[5 * 11 + 3] = 12; // …but cell 5 is a 3
    boxes.set([0.5, 0.5, 0, 0], 5 * 4);
    const found = sceneDetections(logits, boxes, classes);
    expect(found).toHaveLength(1);
    expect(found[0].label).toBe(3);
    expect(found[0].score).toBeCloseTo(Math.exp(12) / (Math.exp(12) + Math.exp(10) + 9), 6);
    expect(found[0].box).toEqual([5 * 8 + 4 - 8, 4 - 8, 16, 16]);
  });
});

describe('sampled cells', () => {
  const sceneClasses = (positives: number[]) => {
    const classes = new Int32Array(CELLS).fill(10);
    for (const cell of positives) classes[cell] = 4;
    return classes;
  };

  it('hold every positive cell and, per scene, three background cells per positive, drawn without replacement', () => {
    const scenes = [sceneClasses([3]), sceneClasses([0, 9, 63]), sceneClasses(Array.from({ length: 20 }, (_, i) => i))];
    const sampled = sampleCells(scenes, 10, new SeededRandom(5));
    expect(sampled.positives).toBe(1 + 3 + 20);
    const perScene = [0, 1, 2].map((s) => Array.from(sampled.rows).filter((r) => Math.floor(r / CELLS) === s));
    expect(perScene.map((rows) => rows.length)).toEqual([1 + 3, 3 + 9, 20 + 44]); // the third scene has only 44 background cells
    expect(new Set(sampled.rows).size).toBe(sampled.rows.length);
    sampled.rows.forEach((row, i) => {
      const cls = scenes[Math.floor(row / CELLS)][row % CELLS];
      expect(sampled.positive[i] === 1).toBe(cls !== 10);
    });
    expect(NEGATIVES_PER_POSITIVE).toBe(3);
  });

  it('draw the same cells from the same seed and others from another', () => {
    const scenes = [sceneClasses([3, 40]), sceneClasses([12])];
    const a = sampleCells(scenes, 10, new SeededRandom(1));
    const b = sampleCells(scenes, 10, new SeededRandom(1));
    const c = sampleCells(scenes, 10, new SeededRandom(2));
    expect(Array.from(a.rows)).toEqual(Array.from(b.rows));
    expect(Array.from(a.rows)).not.toEqual(Array.from(c.rows));
  });
});
