import { describe, expect, it } from 'vitest';
import { METHOD_DEFAULTS } from '../distill/methods';
import { defaultTrainerConfig } from '../train/config';
import { CHAPTERS, LESSON_LINKS } from '../lessons/chapters';
import { numbersLostInJson, runsOf, samePage, sanitizeConfig } from './page-config';
import { fromHash as fromHashWith, toHash } from './link';
import { DEFAULT_PRESET, PRESETS, presetOf } from './presets';

/** A link read as the page reads it, with the lesson's chapters. */
const fromHash = (hash: string) => fromHashWith(hash, LESSON_LINKS);

describe('the page configuration in the URL hash and in imported files', () => {
  it('round-trips every preset through the hash unchanged, with no notices', () => {
    for (const preset of PRESETS) {
      const hash = toHash(preset.page, { hide: ['setup', 'export'], backend: 'cpu' });
      const back = fromHash(hash)!;
      expect(back.notices).toEqual([]);
      expect({ config: back.config, compare: back.compare }).toEqual(preset.page);
      expect(back.hide).toEqual(['setup', 'export']);
      expect(back.backend).toBe('cpu');
    }
  });

  it('round-trips a custom schedule and SGD', () => {
    const config = {
      ...defaultTrainerConfig('mnist'),
      method: { ...METHOD_DEFAULTS.pcd, stages: 4 },
      schedule: {
        kind: 'custom' as const,
        segments: [
          { stage: 4, share: 2 },
          { stage: 1, share: 0.5 },
        ],
      },
      optimizer: { kind: 'sgd' as const, learningRate: 0.05, momentum: 0.9 },
    };
    const back = fromHash(toHash({ config, compare: ['ce', 'dkd'] }))!;
    expect(back.notices).toEqual([]);
    expect(back.config).toEqual(config);
    expect(back.compare).toEqual(['ce', 'dkd']);
  });

  it('ignores unknown and malformed values with a notice naming each, and keeps the rest', () => {
    const back = fromHash(
      '#dataset=mnist&trainSubset=abc&batchSize=32&method.method=pcd&method.stages=99&method.temperature=2&bogus=1&method.nope=true&hide=setup,everything&backend=quantum&compare=kd,xx&seed=<script>alert(1)</script>',
    )!;
    expect(back.config.dataset).toBe('mnist');
    expect(back.config.batchSize).toBe(32);
    expect(back.config.method).toMatchObject({ method: 'pcd', temperature: 2, stages: 3 });
    expect(back.config.trainSubset).toBe(defaultTrainerConfig('mnist').trainSubset);
    expect(back.config.seed).toBe(1);
    expect(back.compare).toEqual(['kd']);
    expect(back.hide).toEqual(['setup']);
    expect(back.backend).toBeNull();
    const notices = back.notices.join('\n');
    for (const named of ['trainSubset', 'method.stages', 'bogus', 'method.nope', 'everything', 'quantum', 'xx', 'seed'])
      expect(notices).toContain(named);
  });

  it('never lets a key reach the prototype', () => {
    const back = sanitizeConfig(JSON.parse('{"__proto__": {"polluted": 1}, "constructor": {"prototype": {"x": 1}}, "batchSize": 16}'), false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(back.config.batchSize).toBe(16);
    expect(back.notices.length).toBeGreaterThan(0);
  });

  it('imports a JSON file strictly: strings for numbers are malformed there', () => {
    const back = sanitizeConfig({ config: { ...defaultTrainerConfig('synthetic100'), batchSize: '32' }, compare: ['ce'] }, false);
    expect(back.config.batchSize).toBe(64);
    expect(back.notices.join()).toMatch(/batchSize = "32" is malformed/);
    expect(back.compare).toEqual(['ce']);
    expect(sanitizeConfig('nonsense', false).notices[0]).toMatch(/not an object/);
  });

  it('makes the runs of a race in CE, KD, DKD, PCD order, the configured method with its own options', () => {
    const page = {
      config: { ...defaultTrainerConfig('synthetic100'), method: { ...METHOD_DEFAULTS.pcd, stages: 5 } },
      compare: ['dkd', 'ce'] as const,
    };
    expect(runsOf({ ...page, compare: [...page.compare] }).map((r) => [r.id, 'stages' in r.method ? r.method.stages : null])).toEqual([
      ['ce', null],
      ['dkd', null],
      ['pcd', 5],
    ]);
  });
});

describe('configurations compared', () => {
  it('are the same field by field, whatever order their keys were written in', () => {
    const page = structuredClone(DEFAULT_PRESET.page);
    const reordered = JSON.parse(JSON.stringify({ compare: page.compare, config: Object.fromEntries(Object.entries(page.config).reverse()) }));
    expect(JSON.stringify(reordered)).not.toBe(JSON.stringify(page));
    expect(samePage(reordered, page)).toBe(true);
    expect(samePage({ ...page, compare: ['ce'] }, page)).toBe(false);
    expect(samePage({ ...page, config: { ...page.config, seeds: page.config.seeds + 1 } }, page)).toBe(false);
  });

  it('a preset on more seeds is still that preset; any other change makes it custom', () => {
    for (const preset of PRESETS) {
      expect(presetOf(structuredClone(preset.page))?.id).toBe(preset.id);
      expect(presetOf({ ...preset.page, config: { ...preset.page.config, seeds: 3 } })?.id).toBe(preset.id);
      expect(presetOf({ ...preset.page, config: { ...preset.page.config, trainSubset: preset.page.config.trainSubset + 1 } })).toBeUndefined();
    }
  });
});

describe('links that set no configuration', () => {
  it('present=1 opens the presentation view; present=<chart> also draws that chart large; anything else is said and ignored', () => {
    expect(fromHash('#present=1')).toMatchObject({ present: true, presentLarge: null, notices: [] });
    expect(fromHash('#present=ranking')).toMatchObject({ present: true, presentLarge: 'ranking', notices: [] });
    expect(fromHash('#present=0')).toMatchObject({ present: false, presentLarge: null });
    const bad = fromHash('#present=everything')!;
    expect(bad).toMatchObject({ present: false, presentLarge: null });
    expect(bad.notices[0]).toMatch(/present = "everything" is not 1, 0 or a chart \(temperature, summary, curves/);
    expect(toHash(DEFAULT_PRESET.page, { present: true, presentLarge: 'groups' })).toContain('present=groups');
    expect(toHash(DEFAULT_PRESET.page, { present: true })).toContain('present=1');
    expect(toHash(DEFAULT_PRESET.page, { present: false, presentLarge: 'groups' })).not.toContain('present');
  });
  it('say so, so the page opens on its default preset (a classroom or backend link)', () => {
    expect(fromHash('#hide=setup,live&backend=webgl')).toMatchObject({ hasConfig: false, hide: ['setup', 'live'], backend: 'webgl', notices: [] });
    expect(fromHash('#trainSubset=300&hide=setup')!.hasConfig).toBe(true);
    expect(fromHash('#charts')).toBeNull(); // the skip link's anchor is not a link to a configuration
  });

  it('a link with one setting is the default preset with that setting, not the schema defaults', () => {
    const short = fromHash('#budget.amount=5')!;
    expect(short.notices).toEqual([]);
    expect(short).toMatchObject({
      config: { ...DEFAULT_PRESET.page.config, budget: { unit: 'epochs', amount: 5 } },
      compare: DEFAULT_PRESET.page.compare,
    });
    expect(short.config).not.toEqual(defaultTrainerConfig('synthetic100'));
    // The page's own links always say what they race, so an empty list survives the default's three.
    const alone = toHash({ config: DEFAULT_PRESET.page.config, compare: [] });
    expect(alone).toMatch(/(^#|&)compare=(&|$)/);
    expect(fromHash(alone)!.compare).toEqual([]);
    // Another dataset starts from that dataset's defaults, racing nothing unless the link says so.
    expect(fromHash('#dataset=mnist')!).toMatchObject({ config: defaultTrainerConfig('mnist'), compare: [] });
  });
});

describe('strict parsing of links and files', () => {
  it('takes decimal numbers only, and says what it dropped', () => {
    for (const text of ['0x10', '0o7', '+5', '5..', ' 1', '1e309x', '']) {
      const state = fromHash(`#dataset=synthetic100&trainSubset=${encodeURIComponent(text)}`)!;
      // A refused value keeps the default preset's, as if the setting were absent.
      expect(state.config.trainSubset, text).toBe(DEFAULT_PRESET.page.config.trainSubset);
      expect(state.notices.join(' '), text).toMatch(/trainSubset/);
    }
    expect(fromHash('#dataset=synthetic100&trainSubset=300')!.config.trainSubset).toBe(300);
    // One rule for every number read from text (src/data/decimal.ts): "300." is 300 here as in a CSV cell.
    expect(fromHash('#dataset=synthetic100&trainSubset=300.')!.config.trainSubset).toBe(300);
    expect(fromHash('#optimizer.learningRate=1e-3')!.config.optimizer.learningRate).toBe(0.001);
  });

  it('takes backend=wasm, refuses an unknown backend, a kind given as a list, and names a number JSON cannot hold', () => {
    expect(fromHash('#backend=wasm')).toMatchObject({ backend: 'wasm', notices: [] });
    expect(fromHash('#backend=tpu')).toMatchObject({ backend: null, notices: ['backend = "tpu" is not one of webgpu, webgl, wasm, cpu: ignored'] });
    const fromFile = sanitizeConfig({ config: { optimizer: { kind: ['sgd'] }, batchSize: Number.POSITIVE_INFINITY } }, false);
    expect(fromFile.config.optimizer.kind).toBe('adam');
    expect(fromFile.notices.join(' ')).toContain('optimizer.kind = ["sgd"] is not one of adam, sgd');
    expect(fromFile.notices.join(' ')).toContain('batchSize = Infinity');
  });

  it('says when a file is a list, when config is not an object, and what stands beside config', () => {
    expect(sanitizeConfig([1, 2], false).notices).toEqual(['the configuration is a list: using the defaults']);
    expect(sanitizeConfig({ config: [1] }, false).notices).toEqual(['config is not an object: using the defaults']);
    const beside = sanitizeConfig({ config: { trainSubset: 300 }, batchSize: 32 }, false);
    expect(beside.config.trainSubset).toBe(300);
    expect(beside.notices).toEqual(['1 setting beside "config" ignored ("batchSize"): put them inside it']);
  });
});

describe('crafted links and files', () => {
  it('bound depth, key length and count without recursing, and summarise floods of notices', () => {
    const deepKey = Array.from({ length: 8000 }, () => 'a').join('.');
    const link = fromHash(`#${deepKey}=1&trainSubset=300`)!;
    expect(link.config.trainSubset).toBe(300);
    expect(link.notices).toEqual([expect.stringMatching(/^unknown setting "a\.a\.a/)]);

    let nested: Record<string, unknown> = { x: 1 };
    for (let i = 0; i < 20_000; i++) nested = { a: nested };
    const deep = sanitizeConfig({ config: { ...nested, trainSubset: 300 } }, false);
    expect(deep.config.trainSubset).toBe(300);
    expect(deep.notices).toEqual([expect.stringMatching(/^1 setting ignored: "a\.a\.a.*" is nested more than 6 levels deep$/)]);

    const many = Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i]));
    const flood = sanitizeConfig({ config: many }, false);
    expect(flood.notices).toHaveLength(2);
    expect(flood.notices[0]).toMatch(/^99,800 settings ignored: "k200" is past the first 200 settings/);
    expect(flood.notices[1]).toBe('200 unknown settings ignored, e.g. "k0", "k1", "k2"');

    const compare = sanitizeConfig({ config: { trainSubset: 300 }, compare: Array.from({ length: 1_000_000 }, () => 'x') }, false);
    expect(compare.notices).toEqual(['compare has 1,000,000 entries, more than the 4 methods: ignored']);
  });

  it('says when a link writes "config." before its settings, and reads them without it', () => {
    const back = fromHash('#config.dataset=mnist&config.trainSubset=500&config.batchSize=32')!;
    expect(back.config).toMatchObject({ dataset: 'mnist', trainSubset: 500, batchSize: 32 });
    expect(back.notices).toEqual([
      '"config.dataset": a link\'s settings have no "config." prefix; read as "dataset"',
      '2 more settings with the "config." prefix read without it',
    ]);
  });

  it('says when an imported file has no "config" wrapper', () => {
    const back = sanitizeConfig({ dataset: 'mnist', batchSize: 32 }, false);
    expect(back.config).toMatchObject({ dataset: 'mnist', batchSize: 32 });
    expect(back.notices).toEqual([
      'no "config" object (the page exports {"config": …, "compare": …}): its top-level settings were read as the configuration',
    ]);
    expect(sanitizeConfig({ config: { batchSize: 32 }, compare: ['ce'] }, false).notices).toEqual([]);
  });

  it('refuses numbers too close to 0 for a float64, in links and files, instead of keeping a denormal or a silent 0', () => {
    const back = fromHash('#optimizer.learningRate=5e-324&method.method=pcd&method.alpha=1e-320&method.temperature=1e-400&batchSize=32')!;
    const defaults = defaultTrainerConfig('synthetic100');
    expect(back.config.optimizer.learningRate).toBe(defaults.optimizer.learningRate);
    expect(back.config.method).toMatchObject({ alpha: METHOD_DEFAULTS.pcd.alpha, temperature: METHOD_DEFAULTS.pcd.temperature });
    expect(back.config.batchSize).toBe(32);
    expect(back.notices).toEqual([
      'optimizer.learningRate = "5e-324" is too close to 0 for a float64 (below 2.2e-308, it keeps almost no precision): ignored',
      'method.alpha = "1e-320" is too close to 0 for a float64 (below 2.2e-308, it keeps almost no precision): ignored',
      'method.temperature = "1e-400" is too close to 0 for a float64 (it reads as 0): ignored',
    ]);
    expect(sanitizeConfig({ config: { optimizer: { learningRate: 5e-324 } } }, false).notices[0]).toMatch(
      /^optimizer.learningRate = 5e-324 is too close to 0/,
    );
    expect(numbersLostInJson('{"config": {"method": {"alpha": 1e-400, "beta": 2.5e-3, "x": 0e-5}}}')).toEqual([
      '1e-400 is too close to 0 for a float64 (it reads as 0): check the value it was meant to be',
    ]);
    // Small but normal values are numbers like any other.
    expect(fromHash('#optimizer.learningRate=1e-300')!.notices).toEqual([]);
    // A decimal with 400 zeros before its digit reads as 0 too.
    expect(numbersLostInJson(`{"config": {"optimizer": {"learningRate": 0.${'0'.repeat(400)}1}}}`)).toEqual([
      `0.${'0'.repeat(28)} is too close to 0 for a float64 (it reads as 0): check the value it was meant to be`,
    ]);
  });

  it('a link that gives a key twice uses the last and says so', () => {
    const link = fromHash('#seed=2&trainSubset=300&seed=3')!;
    expect(link.config.seed).toBe(3);
    expect(link.notices).toEqual(['"seed" is given more than once: the last value is used']);
  });

  it('a compare nested thousands of levels deep is refused with a notice, not a stack overflow', () => {
    // JSON.parse's own text: 5,000 levels of lists in `compare` (the page threw an uncaught RangeError).
    const lists = sanitizeConfig(JSON.parse(`{"config": {"seed": 4}, "compare": [${'['.repeat(5000)}"kd"${']'.repeat(5000)}]}`), false);
    expect(lists.notices).toEqual(['compare: a list is not one of ce, kd, dkd, pcd: ignored']);
    expect(lists.config.seed).toBe(4);
    const objects = sanitizeConfig(JSON.parse(`{"config": {"seed": 4}, "compare": ${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`), false);
    expect(objects.notices).toEqual(['compare = (an object nested too deep to show) is malformed: ignored']);
  });

  it('scans a config file for such numbers in time linear in its length: a megabyte of digits takes no time', () => {
    // 40,000 digits took 4.9 s (Node) and froze the page; a 1 MB file over nine minutes: the scan backtracked at every digit.
    const digits = `{"config": {"seed": ${'1'.repeat(1_000_000)}}, "note": "${'9'.repeat(500_000)}e"}`;
    expect(numbersLostInJson(digits)).toEqual([]);
    expect(numbersLostInJson(`${'7'.repeat(200_000)}e-400`)).toEqual([]); // huge mantissa: not 0
  }, 20_000);

  it("a lesson link changes its chapter's configuration: a refused setting keeps the chapter's value, never the defaults", () => {
    const chapter = CHAPTERS[5].page!;
    const refused = fromHash('#lesson=6&method.stages=11')!;
    expect(refused.lesson).toBe(5);
    expect(refused.notices).toEqual(['method.stages: expected at most 10; using the default']);
    expect({ config: refused.config, compare: refused.compare }).toEqual(chapter);
    const changed = fromHash('#lesson=6&seed=9')!;
    expect({ config: changed.config, compare: changed.compare }).toEqual({ ...chapter, config: { ...chapter.config, seed: 9 } });
    const local = fromHash('#lesson=3&dataset=local')!;
    expect(local.notices[0]).toMatch(/^dataset = local: .* Keeping synthetic100\.$/);
    expect({ config: local.config, compare: local.compare }).toEqual(CHAPTERS[2].page);
  });
});
