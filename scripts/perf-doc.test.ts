import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fmtMs, parseRecord, readPerfRecords, renderPerfDoc } from './lib/perf-doc';

describe('docs/perf.md', () => {
  it('is what npm run perf:doc makes of the records in docs/perf/', () => {
    const records = readPerfRecords('docs/perf');
    expect(Object.keys(records).length).toBeGreaterThan(0);
    expect(readFileSync('docs/perf.md', 'utf8')).toBe(renderPerfDoc(records));
  });

  it('says how to make a record that is missing', () => {
    const page = renderPerfDoc({});
    expect(page).toContain('No record yet: run `npm run bench:loss`, then `npm run perf:doc -- --take loss`.');
    expect(page).toContain('No record yet: run `npm run soak`');
  });

  it('refuses a record with a wrong field, naming the file and the field', () => {
    const loss = JSON.parse(readFileSync('docs/perf/loss.json', 'utf8'));
    loss.results[0].timings[0].msPerCall = 'fast';
    expect(() => parseRecord('loss', 'docs/perf/loss.json', loss)).toThrow(/^docs\/perf\/loss\.json: results\.0\.timings\.0\.msPerCall: /);
    expect(() => parseRecord('trainer-node', 'x.json', { ...JSON.parse(readFileSync('docs/perf/loss.json', 'utf8')) })).toThrow(/^x\.json: /);
  });

  it('formats milliseconds to the precision their spread supports', () => {
    expect([fmtMs(3.14159), fmtMs(31.4159), fmtMs(3141.59)]).toEqual(['3.14', '31.4', '3,142']);
  });
});
