import { useState } from 'react';
import { useSession } from '../store/session-store';
import { controller } from '../store/controller-instance';
import { Field, NumberInput } from './Field';

type Applied = NonNullable<ReturnType<typeof useSession.getState>['applied']>;
const sessionIds = new WeakMap<Applied['info'], number>();
let nextId = 0;

/** Learning rate, τ and α, changed in the middle of a run without a reset. */
export function LivePanel() {
  const applied = useSession((s) => s.applied);
  if (!applied) return null;
  // A new session (Apply, Reset) starts the form afresh: no stale entries from the last one.
  let id = sessionIds.get(applied.info);
  if (id === undefined) sessionIds.set(applied.info, (id = nextId++));
  return <LiveForm key={id} applied={applied} />;
}

function LiveForm({ applied }: { applied: Applied }) {
  const method = applied.page.config.method;
  const [values, setValues] = useState<{ learningRate?: number; temperature?: number; alpha?: number }>({});
  const [refused, setRefused] = useState<string | null>(null);
  const current = {
    learningRate: applied.page.config.optimizer.learningRate,
    temperature: 'temperature' in method ? method.temperature : undefined,
    alpha: 'alpha' in method ? method.alpha : undefined,
  };
  const fields = [
    { key: 'learningRate', label: 'Learning rate', explain: 'The base rate (the cosine schedule scales it).' },
    {
      key: 'temperature',
      label: 'Temperature τ',
      explain: 'For every distilling run (the setup panel keeps it for the configured method; compared runs restart from their defaults on Reset).',
    },
    { key: 'alpha', label: 'α', explain: 'PCD’s weight; DKD’s target-class weight.' },
  ] as const;
  return (
    <section className="card live" aria-labelledby="live-title" data-testid="live">
      <header className="card-header">
        <h2 id="live-title">Change while training</h2>
      </header>
      <p className="explain">
        Takes effect from the next step; weights and optimizer state stay, and the setup panel, the link and Reset take the new value. A refused value
        changes nothing.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const change = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== current[v as never]));
          if (!Object.keys(change).length) return;
          void controller.change(change).then((result) => {
            if (result === true) {
              setValues({});
              setRefused(null);
            } else setRefused(result);
          });
        }}
      >
        {fields.map((f) =>
          current[f.key] === undefined ? null : (
            <Field key={f.key} label={f.label} explain={f.explain}>
              {(id, d) => (
                <NumberInput
                  id={id}
                  describedBy={d}
                  value={values[f.key] ?? current[f.key]!}
                  step="any"
                  onChange={(v) => setValues({ ...values, [f.key]: v })}
                />
              )}
            </Field>
          ),
        )}
        <button type="submit" disabled={!Object.keys(values).length}>
          Change now
        </button>
        {refused ? (
          <p className="field-error" role="alert" data-testid="live-refused">
            Refused, nothing changed: {refused}
          </p>
        ) : null}
      </form>
    </section>
  );
}
