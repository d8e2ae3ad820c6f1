// The bounds of a dataset of one's own, stated in docs/guide/your-data.md and the panel: here alone, so
// the page reads them without the parsers (and without Papa Parse) in its bundle.

/** Bounds stated in docs/guide/your-data.md, checked before anything is read (file sizes, file counts). */
export const LOCAL_LIMITS = {
  /** A CSV of features, and a teacher's logits file. */
  csvBytes: 50 * 1024 * 1024,
  /** Samples in the whole dataset (train and test). */
  samples: 20_000,
  /** Values per sample (a 64 × 64 RGB image is 12,288). */
  featuresPerSample: 12_288,
  /** All features together: 16 M float32 values, 64 MB. */
  values: 16 * 1024 * 1024,
  classes: 1000,
  /** An image folder's files together. */
  imageBytes: 200 * 1024 * 1024,
  /** Side of the square images are resized to. */
  imageSize: [4, 64] as const,
  /** A teacher model's files together. */
  modelBytes: 100 * 1024 * 1024,
} as const;

/** A class or superclass name: formed from the whole text (never cut before classes are formed), at most this long. */
export const NAME_LIMIT = 200;

/** The PCD inspector's logits files: past these a file is refused before it is parsed. */
export const LOGITS_LIMITS = { bytes: 20 * 1024 * 1024, samples: 4096, classes: 1000, values: 2_000_000 } as const;
