// The setup panel's method: which method trains, which ones race beside it, and the
// configured method's own settings (its weights, τ, and PCD's stages and switches).
import { METHOD_DEFAULTS, METHODS, type Method, type MethodConfig } from '../../distill/methods';
import { RUN_LABEL } from '../../config/palette';
import type { TrainerConfig } from '../../train/config';
import { Field, Fieldset, NumberInput } from './Field';

const METHOD_EXPLAIN: Record<Method, string> = {
  ce: 'Cross-entropy on the labels only: the student learns without the teacher (the baseline).',
  kd: 'Hinton’s KD: match the teacher’s softened probabilities over all classes at once.',
  dkd: 'Decoupled KD: the target class and the non-target classes as two separately weighted terms.',
  pcd: 'Progressive Class-level Distillation: rank classes by logit gap, distil them group by group over stages.',
};

type MethodField = { key: string; label: string; explain: string; kind: 'number' | 'boolean'; min?: number; step?: number };
const METHOD_FIELDS: MethodField[] = [
  { key: 'ceWeight', label: 'CE weight', explain: 'Weight of the cross-entropy on the true labels.', kind: 'number', min: 0, step: 0.1 },
  { key: 'kdWeight', label: 'KD weight', explain: 'Weight of the distillation term.', kind: 'number', min: 0, step: 0.1 },
  {
    key: 'temperature',
    label: 'Temperature τ',
    explain: 'Softens both distributions; higher τ shows more of the small probabilities.',
    kind: 'number',
    min: 0.1,
    step: 0.5,
  },
  { key: 'alpha', label: 'α', explain: 'PCD: weight of the PCD term. DKD: weight of the target-class term.', kind: 'number', min: 0, step: 0.1 },
  { key: 'beta', label: 'β', explain: 'DKD: weight of the non-target-class term.', kind: 'number', min: 0, step: 1 },
  {
    key: 'stages',
    label: 'Stages S',
    explain: 'Stage k cuts the ranked classes into k groups; stage 1 is plain KD.',
    kind: 'number',
    min: 1,
    step: 1,
  },
  {
    key: 'adaptive',
    label: 'Adaptive weight λ',
    explain: 'Weigh each group by 1 − cos(p, q): groups the student already matches count less.',
    kind: 'boolean',
  },
  { key: 'ranking', label: 'Rank by logit gap', explain: 'Off: groups follow class order (what the authors’ code does).', kind: 'boolean' },
  { key: 'fineToCoarse', label: 'Fine → coarse pass', explain: 'Sum the stages S, S−1, …, 1.', kind: 'boolean' },
  { key: 'coarseToFine', label: 'Coarse → fine pass', explain: 'Sum the stages 1, 2, …, S.', kind: 'boolean' },
  {
    key: 'standardizeLogits',
    label: 'Standardise logits',
    explain: 'Z-score each logit row before softening (logit standardisation).',
    kind: 'boolean',
  },
];

/** A method's settings in a few words: "CE weight 0.1, KD weight 0.9, τ 4". */
export function describeSettings(method: MethodConfig): string {
  const parts = METHOD_FIELDS.filter((f) => f.kind === 'number' && f.key in method).map(
    (f) => `${f.label.replace(/^(Temperature|Stages) /, '')} ${(method as unknown as Record<string, number>)[f.key]}`,
  );
  const switches = METHOD_FIELDS.filter((f) => f.kind === 'boolean' && f.key in method && (method as unknown as Record<string, boolean>)[f.key]).map(
    (f) => f.label.toLowerCase(),
  );
  return parts.length || switches.length ? `(${[...parts, ...switches].join(', ')})` : '(labels only)';
}

export function MethodFields({
  method,
  compare,
  update,
  setMethod,
  error,
}: {
  method: MethodConfig & Record<string, unknown>;
  compare: Method[];
  update: (change: Partial<TrainerConfig>, nextCompare?: Method[]) => void;
  setMethod: (m: Method) => void;
  error: (path: string) => string | undefined;
}) {
  return (
    <Fieldset legend="Method">
      <Field label="Method" explain={METHOD_EXPLAIN[method.method]} error={error('method.method')}>
        {(id, d) => (
          <select id={id} aria-describedby={d} value={method.method} onChange={(e) => setMethod(e.target.value as Method)}>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {RUN_LABEL[m]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <fieldset className="compare">
        <legend>Race against (same initial weights, same batches)</legend>
        {METHODS.filter((m) => m !== method.method).map((m) => (
          <label key={m}>
            <input
              type="checkbox"
              checked={compare.includes(m)}
              onChange={(e) => update({}, e.target.checked ? [...compare, m] : compare.filter((c) => c !== m))}
            />{' '}
            {RUN_LABEL[m]}
          </label>
        ))}
        {/* What a raced run trains with: its method's defaults (the setup panel edits the configured method only). */}
        {compare.length ? (
          <p className="explain" data-testid="compared-settings">
            Raced with their defaults: {compare.map((m) => `${RUN_LABEL[m]} ${describeSettings(METHOD_DEFAULTS[m])}`).join('; ')}.
          </p>
        ) : null}
      </fieldset>
      {METHOD_FIELDS.filter((f) => f.key in method).map((f) => (
        <Field key={f.key} label={f.label} explain={f.explain} error={error(`method.${f.key}`)} className={f.kind === 'boolean' ? 'check' : ''}>
          {(id, d) =>
            f.kind === 'boolean' ? (
              <input
                id={id}
                aria-describedby={d}
                type="checkbox"
                checked={Boolean(method[f.key])}
                onChange={(e) => update({ method: { ...method, [f.key]: e.target.checked } as MethodConfig })}
              />
            ) : (
              <NumberInput
                id={id}
                describedBy={d}
                value={method[f.key] as number}
                min={f.min}
                step={f.step}
                invalid={!!error(`method.${f.key}`)}
                onChange={(v) => update({ method: { ...method, [f.key]: v } as MethodConfig })}
              />
            )
          }
        </Field>
      ))}
    </Fieldset>
  );
}
