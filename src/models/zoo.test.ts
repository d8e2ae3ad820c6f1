import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../tf/backends';
import { MODEL_CATALOG } from './catalog';
import { MODEL_ZOO, parameterCount } from './zoo';

beforeAll(() => selectBackend(['cpu']));

describe('the TF.js-free model catalog the page shows', () => {
  it('lists every model of the zoo with the parameter count of the built model', () => {
    // The detectors of the digit scenes are built by src/detect/detector.ts (checked there).
    expect(MODEL_CATALOG.filter((m) => m.dataset !== 'scenes').map((m) => m.id)).toEqual(MODEL_ZOO.map((m) => m.id));
    for (const spec of MODEL_ZOO) {
      const entry = MODEL_CATALOG.find((m) => m.id === spec.id)!;
      expect({ ...entry }).toEqual({
        id: spec.id,
        dataset: spec.dataset,
        role: spec.role,
        name: spec.name,
        description: spec.description,
        parameters: parameterCount(spec),
      });
    }
  });
});
