import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { METHOD_DEFAULTS } from '../distill/objective';
import { localStudents, type LocalFacts } from '../models/catalog';
import { localStudentSpecs, parameterCount } from '../models/zoo';
import { npyBytes } from '../reproduce/npy';
import { selectBackend } from '../tf/backends';
import { defaultTrainerConfig, parseTrainerConfig, plannedSteps } from '../train/config';
import { DistillationTrainer } from '../train/trainer';
import { LOCAL_LIMITS, NAME_LIMIT } from './local-limits';
import { parseFeatureCsv } from './local-csv';
import { parseTeacherLogits, splitSamples } from './local-dataset';
import { planImageFolder, readImageFolder, type FolderEntry } from './local-images';
import { type LocalSamples } from './local-samples';
import { readLocalFiles } from './local-read';
import { checkTeacherModel, loadModel, modelArtifacts } from './local-teacher';

const encode = (text: string) => new TextEncoder().encode(text);
const refusal = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('not refused');
};

beforeAll(() => selectBackend(['cpu']));

describe('a CSV of features', () => {
  const text = ['x1,x2,label,family', '0.5,1,cat,pets', '-2,3e-1,dog,pets', '.25,4,cow,farm', '1.,0,cat,pets'].join('\n');

  it('reads features, classes (sorted) and superclasses', () => {
    const data = parseFeatureCsv('animals.csv', encode(text), { superclassColumn: 'family' });
    expect(data.featureShape).toEqual([2]);
    expect(data.count).toBe(4);
    expect(data.classNames).toEqual(['cat', 'cow', 'dog']);
    expect(Array.from(data.labels)).toEqual([0, 2, 1, 0]);
    expect(Array.from(data.features)).toEqual([0.5, 1, -2, Math.fround(0.3), 0.25, 4, 1, 0]);
    expect(data.superclassNames).toEqual(['farm', 'pets']);
    expect(data.superclassOf).toEqual([1, 0, 1]);
  });

  it('takes the last column as the label when none is named label, target, class or y, and sorts numeric labels as numbers', () => {
    const data = parseFeatureCsv('n.csv', encode('a,b,c\n1,2,10\n3,4,9\n5,6,10\n'));
    expect(data.classNames).toEqual(['9', '10']);
    expect(Array.from(data.labels)).toEqual([1, 0, 1]);
    expect(data.featureShape).toEqual([2]);
  });

  it('finds a label column called target, class or y wherever it stands (sklearn’s frames put target first)', () => {
    const data = parseFeatureCsv('digits.csv', encode('Target,p0,p1\n3,0.5,1\n1,0,2\n3,1,1\n'));
    expect(data.classNames).toEqual(['1', '3']);
    expect(data.featureShape).toEqual([2]);
    expect(Array.from(data.features)).toEqual([0.5, 1, 0, 2, 1, 1]);
    // "label" before the others, wherever each stands: a feature called y stays a feature.
    expect(parseFeatureCsv('xy.csv', encode('x,y,label\n1,2,a\n3,4,b\n')).classNames).toEqual(['a', 'b']);
  });

  it('refuses a last column that holds a feature’s values rather than make one class per row', () => {
    const rows = Array.from({ length: 30 }, (_, i) => `${i % 3},${(i * 0.37).toFixed(2)}`);
    expect(refusal(() => parseFeatureCsv('f.csv', encode(['kind,p63', ...rows].join('\n'))))).toBe(
      'f.csv, line 1: no column is called label, target, class, y, and the last one, "p63", holds 30 different numbers in 30 rows: a feature, not labels: name the label column',
    );
    // Named, the same column is taken as asked.
    expect(parseFeatureCsv('f.csv', encode(['kind,p63', ...rows].join('\n')), { labelColumn: 'p63' }).classNames).toHaveLength(30);
  });

  it('refuses, naming the line and column, what is not a plain decimal, and every other fault', () => {
    const one = (body: string, options = {}) => refusal(() => parseFeatureCsv('f.csv', encode(body), options));
    expect(one('x,label\n0x10,a\n1,b\n')).toBe('f.csv, line 2, column "x": "0x10" is not a decimal number (every column but the label is a feature)');
    expect(one('x,colour,label\n1,red,a\n2,blue,b\n')).toMatch(/^f\.csv, line 2, column "colour": "red" is not a decimal number/);
    expect(one('x,label\nNaN,a\n1,b\n')).toMatch(/line 2, column "x": "NaN" is not a decimal number/);
    expect(one('x,label\n1e39,a\n1,b\n')).toBe('f.csv, line 2, column "x": 1e39 is not a finite float32');
    // Old Mac line endings (CR alone): the rows are read, not "0 samples".
    expect(parseFeatureCsv('f.csv', encode('x,label\r1,a\r2,b\r3,a\r4,b\r')).labels).toHaveLength(4);
    // Written non-zero but read as 0: it was trained on as 0, silently.
    expect(one('x,label\n1,a\n1e-400,b\n')).toBe('f.csv, line 3, column "x": 1e-400 is too close to 0 for a number (it reads as 0)');
    expect(one(`x,label\n1,a\n0.${'0'.repeat(400)}1,b\n`)).toMatch(/^f\.csv, line 3, column "x": 0\.0+ is too close to 0/);
    expect(one('x,label\n1,a\n2\n')).toBe('f.csv, line 3: 1 columns: expected 2, as in the header');
    expect(one('x,label\n1,a\n2,\n')).toBe('f.csv, line 3, column "label": empty label');
    expect(one('x,x,label\n1,1,a\n')).toBe('f.csv, line 1: column "x" appears twice');
    expect(one('x,,label\n1,1,a\n')).toMatch(/line 1: expected a header naming every column/);
    expect(one('x,y\n1,a\n2,b\n', { labelColumn: 'class' })).toBe('f.csv, line 1: no label column "class": the columns are x, y');
    expect(one('x,label\n1,a\n2,a\n')).toBe('f.csv: 1 class: expected at least 2');
    expect(one('x,label\n1,a\n')).toBe('f.csv: 1 sample: expected at least 2');
    expect(one('x,label,s\n1,a,p\n2,a,q\n3,b,q\n', { superclassColumn: 's' })).toMatch(
      /line 3, column.*: superclass "q" for class "a", which is also in "p"/,
    );
    expect(refusal(() => parseFeatureCsv('bin.csv', new Uint8Array([0x78, 0x2c, 0xff, 0xfe, 0x0a])))).toBe(
      'bin.csv: not UTF-8 text (save it as UTF-8, or use the .npy format)',
    );
  });

  it('refuses files and datasets past the stated limits before reading on', () => {
    const big = new Uint8Array(LOCAL_LIMITS.csvBytes + 1);
    expect(refusal(() => parseFeatureCsv('big.csv', big))).toBe('big.csv: 50.0 MB: at most 50.0 MB');
    const rows = Array.from({ length: LOCAL_LIMITS.samples + 1 }, (_, i) => `${i},c${i % 2}`);
    expect(refusal(() => parseFeatureCsv('many.csv', encode(['x,label', ...rows].join('\n'))))).toBe('many.csv: 20,001 samples: at most 20,000');
    const width = LOCAL_LIMITS.featuresPerSample + 1;
    const wide = [
      ['label', ...Array.from({ length: width }, (_, i) => `f${i}`)],
      ['a', ...new Array(width).fill(0)],
      ['b', ...new Array(width).fill(1)],
    ]
      .map((r) => r.join(','))
      .join('\n');
    expect(refusal(() => parseFeatureCsv('wide.csv', encode(wide)))).toBe('wide.csv: 12,289 values per sample: at most 12,288');
  });
});

describe('a CSV as an adversary writes it', () => {
  it('refuses a million columns from the header, before any cell or duplicate check', () => {
    const header = Array.from({ length: 1_000_000 }, (_, i) => `c${i}`).join(',');
    const text = `${header}\n${'1,'.repeat(999_999)}1\n${'2,'.repeat(999_999)}2`;
    expect(refusal(() => parseFeatureCsv('wide.csv', encode(text)))).toBe(
      'wide.csv, line 1: 1,000,000 columns: at most 12,288 features per sample, a label and a superclass column',
    );
  });

  it('finds a duplicate column among thousands in one pass, and names it', () => {
    const names = Array.from({ length: LOCAL_LIMITS.featuresPerSample }, (_, i) => `f${i}`);
    const text = `${[...names, 'f17', 'label'].join(',')}\n${'0,'.repeat(names.length + 1)}a`;
    expect(refusal(() => parseFeatureCsv('dup.csv', encode(text)))).toBe('dup.csv, line 1: column "f17" appears twice');
  });

  it('reads quoted fields with commas, quotes and line breaks (Papa Parse), and names the line of a fault after them', () => {
    const text = ['x,label', '1,"cat, the animal"', '2,"a ""quoted"" dog"', '3,"two', 'lines"', '4,"cat, the animal"', '5,cat, the animal'].join(
      '\n',
    );
    expect(refusal(() => parseFeatureCsv('q.csv', encode(text)))).toBe(
      'q.csv, line 7: 3 columns: expected 2, as in the header (a field with a comma must be quoted: "cat, the animal")',
    );
    const data = parseFeatureCsv('q.csv', encode(text.split('\n').slice(0, 6).join('\n')));
    expect(data.classNames).toEqual(['a "quoted" dog', 'cat, the animal', 'two\nlines']);
    expect(Array.from(data.labels)).toEqual([1, 0, 2, 1]);
    expect(refusal(() => parseFeatureCsv('open.csv', encode('x,label\n1,a\n2,"b\n3,c')))).toMatch(/^open\.csv, line 3: quoted field unterminated/);
  });

  it('forms classes from whole names: two labels sharing their first 60 characters are two classes; a name past the limit is refused', () => {
    const stem = 'x'.repeat(60);
    const data = parseFeatureCsv('long.csv', encode(`v,label\n1,${stem}-cat\n2,${stem}-dog\n3,${stem}-cat`));
    expect(data.classNames).toEqual([`${stem}-cat`, `${stem}-dog`]);
    expect(Array.from(data.labels)).toEqual([0, 1, 0]);
    expect(refusal(() => parseFeatureCsv('huge.csv', encode(`v,label\n1,${'y'.repeat(NAME_LIMIT + 1)}\n2,b`)))).toBe(
      `huge.csv, line 2, column "label": a label of ${NAME_LIMIT + 1} characters: at most ${NAME_LIMIT}`,
    );
    const folder = planImageFolder(
      [`d/${stem}-cat/0.png`, `d/${stem}-dog/0.png`].map((path) => ({ path, bytes: 10 })),
      { size: 8, channels: 1 },
    );
    expect(folder.classNames).toEqual([`${stem}-cat`, `${stem}-dog`]);
  });

  it('says a pandas index column without a name, and suggests index=False', () => {
    expect(refusal(() => parseFeatureCsv('pd.csv', encode(',x,label\n0,1,a\n1,2,b')))).toBe(
      'pd.csv, line 1: expected a header naming every column (a label column and at least one feature); column 1 has no name (a pandas index? save with index=False)',
    );
  });
});

describe('a folder of images', () => {
  it('skips hidden and system files and folders anywhere in the path, and says how many', async () => {
    const paths = [
      'digits/a/0.png',
      'digits/.ipynb_checkpoints/0-checkpoint.png',
      'digits/a/.thumbs/0.png',
      'digits/.git/config',
      'digits/__MACOSX/a/._0.png',
      'digits/b/Thumbs.db',
      'digits/b/desktop.ini',
      'digits/b/0.png',
      'digits/a/.DS_Store',
    ];
    const plan = planImageFolder(
      paths.map((path) => ({ path, bytes: 10 })),
      { size: 8, channels: 1 },
    );
    expect(plan.classNames).toEqual(['a', 'b']);
    expect(plan.order.map((i) => paths[i])).toEqual(['digits/a/0.png', 'digits/b/0.png']);
    expect(plan.skipped).toHaveLength(7);
    // Through the reader, as the import worker runs it: the skipped files are said.
    const files = paths.map((path) => new File([new Uint8Array(10)], path.split('/').pop()!));
    const logits = new File([encode('1,0\n0,1')], 'logits.csv');
    const read = await readLocalFiles(
      {
        dataset: { kind: 'images', files, paths, size: 8, channels: 1 },
        split: { testShare: 0.5, seed: 1 },
        teacher: { kind: 'logits', file: logits },
      },
      async () => ({ pixels: new Float32Array(64), width: 8, height: 8 }),
    );
    expect(read.skipped).toBe('7 hidden or system files skipped (.ipynb_checkpoints, .thumbs, .git, …)');
    expect(read.resized).toBeUndefined(); // already 8 × 8
    expect(read.dataset.classNames).toEqual(['a', 'b']);
  });

  const folder: FolderEntry[] = [
    { path: 'shapes/square/b.png', bytes: 100 },
    { path: 'shapes/circle/z.png', bytes: 100 },
    { path: 'shapes/.DS_Store', bytes: 10 },
    { path: 'shapes/circle/a.jpg', bytes: 100 },
    { path: 'shapes/square/a.PNG', bytes: 100 },
    { path: 'shapes/square/Thumbs.db', bytes: 10 },
  ];

  it('plans classes from the sub-folders and samples in class then path order, skipping hidden files', () => {
    const plan = planImageFolder(folder, { size: 8, channels: 1 });
    expect(plan.name).toBe('shapes');
    expect(plan.classNames).toEqual(['circle', 'square']);
    expect(plan.order.map((i) => folder[i].path)).toEqual([
      'shapes/circle/a.jpg',
      'shapes/circle/z.png',
      'shapes/square/a.PNG',
      'shapes/square/b.png',
    ]);
    expect(Array.from(plan.labels)).toEqual([0, 0, 1, 1]);
  });

  it('refuses what does not belong, before decoding anything', () => {
    const plan = (entries: FolderEntry[], options = { size: 8, channels: 1 as const }) => refusal(() => planImageFolder(entries, options));
    expect(plan([...folder, { path: 'shapes/square/notes.txt', bytes: 5 }])).toBe(
      'shapes/square/notes.txt: not an image: expected .png, .jpg, .jpeg, .gif, .webp, .bmp',
    );
    expect(plan([...folder, { path: 'shapes/c.png', bytes: 5 }])).toBe(
      'shapes/c.png: directly in the folder: expected every image in a sub-folder named after its class',
    );
    expect(plan([...folder, { path: 'other/x/c.png', bytes: 5 }])).toBe('other/x/c.png: not in the folder "shapes": drop or pick one folder');
    expect(plan(folder, { size: 65, channels: 1 })).toBe('image size: 65: expected a whole number 4…64');
    expect(
      plan([
        { path: 'f/a/1.png', bytes: 1 },
        { path: 'f/a/2.png', bytes: 1 },
      ]),
    ).toBe('f: 1 class: expected at least 2');
    expect(
      plan([
        { path: 'f/a/1.png', bytes: LOCAL_LIMITS.imageBytes },
        { path: 'f/b/2.png', bytes: 1 },
      ]),
    ).toBe('f: 200.0 MB of images: at most 200.0 MB');
    expect(plan([])).toBe('folder: empty: expected one sub-folder of images per class');
  });

  it('decodes in plan order and names the file that fails', async () => {
    // Images of 8 × 8 but one of 12 × 10, resized to 4 × 4: the note says so.
    const image = (i: number) => ({ pixels: new Float32Array(16).fill(i), width: i === 3 ? 12 : 8, height: i === 3 ? 10 : 8 });
    const decoded = await readImageFolder(folder, { size: 4, channels: 1 }, async (i) => image(i));
    expect(decoded.featureShape).toEqual([4, 4, 1]);
    expect(decoded.resized).toBe(`images resized to 4 × 4 from 2 sizes (8 × 8: ${decoded.count - 1}, 12 × 10: 1)`);
    const same = await readImageFolder(folder, { size: 4, channels: 1 }, async () => ({ pixels: new Float32Array(16), width: 8, height: 8 }));
    expect(same.resized).toBe('images resized to 4 × 4 from 8 × 8');
    expect(Array.from(decoded.features.subarray(0, 16))).toEqual(new Array(16).fill(3)); // circle/a.jpg is entry 3
    await expect(
      readImageFolder(folder, { size: 4, channels: 1 }, async (i) => (i === 4 ? Promise.reject(new Error('bad PNG')) : image(i))),
    ).rejects.toThrow('shapes/square/a.PNG: could not be decoded as an image (bad PNG)');
    await expect(readImageFolder(folder, { size: 4, channels: 3 }, async () => image(0))).rejects.toThrow(
      'shapes/circle/a.jpg: decoded to 16 values: expected 48',
    );
  });
});

/** Six samples of three classes (two each), feature = sample index. */
const six: LocalSamples = {
  name: 'six',
  featureShape: [1],
  features: Float32Array.from([0, 1, 2, 3, 4, 5]),
  labels: Int32Array.from([0, 1, 2, 0, 1, 2]),
  count: 6,
  classNames: ['a', 'b', 'c'],
};

describe("a teacher's logits file", () => {
  const rows = [0, 1, 2, 3, 4, 5].map((i) => [i, 1 - i, 0.5]);
  it('reads .npy (N, C), .csv with or without a header, and .json', () => {
    const expected = Float32Array.from(rows.flat());
    expect(parseTeacherLogits('t.npy', npyBytes([6, 3], rows.flat(), '<f8'), 6, 3)).toEqual(expected);
    expect(parseTeacherLogits('t.csv', encode(rows.map((r) => r.join(',')).join('\n')), 6, 3)).toEqual(expected);
    expect(parseTeacherLogits('t.csv', encode(['a,b,c', ...rows.map((r) => r.join(','))].join('\r\n')), 6, 3)).toEqual(expected);
    expect(parseTeacherLogits('t.json', encode(JSON.stringify(rows)), 6, 3)).toEqual(expected);
    expect(parseTeacherLogits('t.json', encode(JSON.stringify({ logits: rows })), 6, 3)).toEqual(expected);
  });

  it('refuses a wrong shape, a non-finite value, unknown fields and kinds', () => {
    expect(refusal(() => parseTeacherLogits('t.npy', npyBytes([5, 3], rows.flat().slice(0, 15)), 6, 3))).toBe(
      "t.npy, header: shape (5, 3): expected (6, 3), 6 rows (one per sample, in the dataset's order) of 3 logits",
    );
    expect(refusal(() => parseTeacherLogits('t.npy', npyBytes([6, 3], [NaN, ...rows.flat().slice(1)]), 6, 3))).toBe(
      't.npy, [0][0]: NaN is not a finite number',
    );
    expect(
      refusal(() =>
        parseTeacherLogits(
          't.csv',
          encode(
            rows
              .slice(1)
              .map((r) => r.join(','))
              .join('\n'),
          ),
          6,
          3,
        ),
      ),
    ).toMatch(/^t\.csv: 5 rows: expected 6 rows/);
    expect(refusal(() => parseTeacherLogits('t.csv', encode(rows.map((r) => r.slice(0, 2).join(',')).join('\n')), 6, 3))).toBe(
      't.csv, line 1: 2 columns: expected 3, one logit per class',
    );
    expect(refusal(() => parseTeacherLogits('t.csv', encode(['a,b,c', '1,2,inf', ...rows.slice(1).map((r) => r.join(','))].join('\n')), 6, 3))).toBe(
      't.csv, line 2, column 3: "inf" is not a decimal number',
    );
    expect(refusal(() => parseTeacherLogits('t.json', encode(JSON.stringify({ logits: rows, labels: [] })), 6, 3))).toBe(
      't.json: fields "logits", "labels": expected an array, or an object with only "logits"',
    );
    expect(refusal(() => parseTeacherLogits('t.json', encode(JSON.stringify(rows.map((r, i) => (i === 2 ? [1, '2', 3] : r)))), 6, 3))).toBe(
      't.json, [2][1]: "2" is not a number',
    );
    expect(refusal(() => parseTeacherLogits('t.txt', encode(''), 6, 3))).toBe('t.txt: unknown kind ".txt": expected .npy, .csv or .json');
  });
});

describe('the split', () => {
  it('holds out a share of every class, by seed, with the teacher logits following their samples', () => {
    const logits = Float32Array.from([0, 1, 2, 3, 4, 5].flatMap((i) => [i, 10 + i, 20 + i]));
    const dataset = splitSamples(six, { testShare: 0.5, seed: 3 }, logits);
    expect(dataset.train.count).toBe(3);
    expect(dataset.test.count).toBe(3);
    for (const split of [dataset.train, dataset.test]) {
      expect([...split.labels].sort()).toEqual([0, 1, 2]);
      split.features.forEach((feature, i) => {
        expect(split.labels[i]).toBe(six.labels[feature]);
        expect(Array.from(split.teacherLogits!.subarray(i * 3, i * 3 + 3))).toEqual([feature, 10 + feature, 20 + feature]);
      });
    }
    expect(Array.from(splitSamples(six, { testShare: 0.5, seed: 3 }).test.features)).toEqual(Array.from(dataset.test.features));
    const many: LocalSamples = {
      ...six,
      count: 30,
      features: Float32Array.from({ length: 30 }, (_, i) => i),
      labels: Int32Array.from({ length: 30 }, (_, i) => i % 3),
    };
    const [one, two] = [1, 2].map((seed) => Array.from(splitSamples(many, { testShare: 0.2, seed }).test.features));
    expect(one).toHaveLength(6);
    expect(one).not.toEqual(two);
    expect(refusal(() => splitSamples(six, { testShare: 0.9, seed: 1 }))).toBe('test share: 0.9: expected 0.05…0.5');
  });

  it('keeps a class of one sample for training', () => {
    const lone = { ...six, count: 3, features: six.features.subarray(0, 3), labels: six.labels.subarray(0, 3) };
    const dataset = splitSamples(lone, { testShare: 0.5, seed: 1 });
    expect(dataset.train.count).toBe(3);
    expect(dataset.test.count).toBe(0);
  });
});

/** A TF.js Layers model as the dropped files: model.json and one weights file. */
async function modelFiles(model: tf.LayersModel): Promise<{ name: string; bytes: Uint8Array }[]> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => ((saved = artifacts), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })),
  );
  const { modelTopology, weightSpecs, weightData } = saved!;
  const json = { format: 'layers-model', modelTopology, weightsManifest: [{ paths: ['./group1-shard1of1.bin'], weights: weightSpecs }] };
  return [
    { name: 'model.json', bytes: encode(JSON.stringify(json)) },
    { name: 'group1-shard1of1.bin', bytes: new Uint8Array(weightData as ArrayBuffer) },
  ];
}

const teacherOf = (inputs: number[], classes: number, activation: 'linear' | 'softmax' = 'linear') =>
  tf.sequential({
    layers: [
      ...(inputs.length > 1 ? [tf.layers.flatten({ inputShape: inputs })] : []),
      tf.layers.dense({ units: classes, activation, ...(inputs.length > 1 ? {} : { inputShape: inputs }) }),
    ],
  });

describe("a teacher model of one's own", () => {
  const dataset = splitSamples(six, { testShare: 0.5, seed: 1 });

  it('is taken from model.json and its weights, and checked against the dataset', async () => {
    const files = await modelFiles(teacherOf([1], 3));
    const model = await loadModel(modelArtifacts(files));
    const accuracy = await checkTeacherModel(model, dataset);
    expect(accuracy).toBeGreaterThanOrEqual(0);
    expect(accuracy).toBeLessThanOrEqual(1);
    model.dispose();
  });

  it('refuses missing, truncated or extra files, and a model that does not fit the dataset', async () => {
    const files = await modelFiles(teacherOf([1], 3));
    expect(refusal(() => modelArtifacts([files[0]]))).toBe(
      'model.json, weightsManifest: names the weight file "group1-shard1of1.bin", which was not given with it: drop or pick model.json and every .bin file together',
    );
    expect(refusal(() => modelArtifacts([files[0], { ...files[1], bytes: files[1].bytes.subarray(4) }]))).toBe(
      "group1-shard1of1.bin: truncated: 20 bytes, model.json's weights need 24",
    );
    expect(refusal(() => modelArtifacts([files[1]]))).toBe('teacher: 0 .json files: expected one model.json and its weight files (.bin)');
    expect(refusal(() => modelArtifacts([{ name: 'model.json', bytes: encode('{"format":"graph-model","modelTopology":{}}') }]))).toMatch(
      /graph model: expected a Layers model/,
    );
    const check = async (model: tf.LayersModel) => {
      try {
        await checkTeacherModel(await loadModel(modelArtifacts(await modelFiles(model))), dataset);
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      } finally {
        model.dispose();
      }
    };
    expect(await check(teacherOf([2], 3))).toBe("model.json: takes input of shape [2], the dataset's samples are [1]");
    expect(await check(teacherOf([1], 4))).toBe('model.json: outputs shape [batch, 4]: expected [batch, 3], one logit per class of the dataset');
    expect(await check(teacherOf([1], 3, 'softmax'))).toMatch(/^model\.json: its last layer \(.*\) is a softmax: the losses take logits/);
    const broken = teacherOf([1], 3);
    broken.layers[0].setWeights([tf.fill([1, 3], NaN), tf.zeros([3])]);
    expect(await check(broken)).toBe(
      'model.json: gives non-finite logits (NaN or ∞) on the test split: the weights are corrupt or the inputs out of its range',
    );
  });
});

describe('training on a local dataset', () => {
  const facts = (teacher: LocalFacts['teacher']): LocalFacts => ({
    name: 'six',
    featureShape: [1],
    classNames: ['a', 'b', 'c'],
    trainCount: 4,
    testCount: 2,
    teacher,
    teacherTestAccuracy: 1,
  });

  it('needs the dataset loaded, offers the students sized to it, and refuses augmentation with a logits teacher', () => {
    expect(() => parseTrainerConfig({ ...defaultTrainerConfig('synthetic100'), dataset: 'local', student: 'local-mlp' }, null)).toThrow(
      'dataset: no local dataset is loaded in this browser: load one with "Your data"',
    );
    // The facts of the dataset the caller loaded are passed in: no module holds them.
    const local = facts({ kind: 'logits', file: 't.csv' });
    const config = parseTrainerConfig(defaultTrainerConfig('local', local), local);
    expect(config).toMatchObject({ dataset: 'local', student: 'local-mlp', trainSubset: 4 });
    expect(plannedSteps(config, local).perEpoch).toBe(1);
    expect(() => parseTrainerConfig({ ...config, augmentation: true }, local)).toThrow(
      'augmentation: a teacher given as logits knows the samples only as they are: turn augmentation off',
    );
    expect(() => parseTrainerConfig({ ...config, student: 'mnist-mlp' }, local)).toThrow(
      'student: expected one of local-linear, local-mlp, local-mlp-wide for local',
    );
    expect(() => parseTrainerConfig({ ...config, trainSubset: 5 }, local)).toThrow("trainSubset: at most 4, the size of six's training split");
  });

  it('builds every local student with the parameter count the page shows', () => {
    for (const shape of [[7], [12, 10, 3]]) {
      const dataset = { featureShape: shape, classNames: ['a', 'b', 'c', 'd', 'e'] };
      const specs = localStudentSpecs(dataset);
      expect(specs.map((s) => s.id)).toEqual(
        shape.length === 3 ? ['local-linear', 'local-mlp', 'local-mlp-wide', 'local-cnn-small'] : ['local-linear', 'local-mlp', 'local-mlp-wide'],
      );
      specs.forEach((spec, i) => expect(parameterCount(spec)).toBe(localStudents(dataset)[i].parameters));
    }
  });

  it('distils from a teacher given as logits: KD and PCD train, evaluate and probe with no teacher model', async () => {
    // 60 samples of 3 well-separated classes; the teacher's logits say the class, softly.
    const count = 60;
    const labels = Int32Array.from({ length: count }, (_, i) => i % 3);
    const features = Float32Array.from({ length: count * 2 }, (_, j) => labels[Math.floor(j / 2)] * (j % 2 ? 1 : -1) + ((j * 7919) % 13) / 26);
    const logits = Float32Array.from({ length: count * 3 }, (_, j) => (labels[Math.floor(j / 3)] === j % 3 ? 3 : 0));
    const samples: LocalSamples = { name: 'toy', featureShape: [2], features, labels, count, classNames: ['a', 'b', 'c'] };
    const dataset = splitSamples(samples, { testShare: 0.2, seed: 1 }, logits);
    const local = {
      ...facts({ kind: 'logits', file: 'toy.npy' }),
      featureShape: [2],
      trainCount: dataset.train.count,
      testCount: dataset.test.count,
    };
    const config = parseTrainerConfig({ ...defaultTrainerConfig('local', local), batchSize: 16, budget: { unit: 'steps', amount: 6 } }, local);
    const trainer = new DistillationTrainer(
      config,
      [
        { id: 'kd', method: METHOD_DEFAULTS.kd },
        { id: 'pcd', method: { ...METHOD_DEFAULTS.pcd, stages: 2 } },
      ],
      dataset,
      null,
    );
    try {
      await trainer.prepare();
      const reports = [];
      for (let i = 0; i < 6; i++) reports.push(await trainer.trainStep());
      for (const report of reports) for (const run of report.runs) expect(Number.isFinite(run.loss)).toBe(true);
      expect(Object.keys(reports[0].runs[1].terms).length).toBeGreaterThan(1);
      const [evaluation] = await trainer.evaluate();
      expect(evaluation.teacherAgreement).not.toBeNull();
      const probe = await trainer.probeSnapshot(4);
      expect(probe.teacherProbabilities).not.toBeNull();
      expect(probe.runs[1].pcd?.stageGroups).toBeDefined();
    } finally {
      trainer.dispose();
    }
  });
});
