import { useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { AnyDatasetId } from '../../data/dataset';
import { methodDefaults, type Method, type MethodConfig } from '../../distill/methods';
import { catalogEntry, defaultStudentOf, MODEL_CATALOG, studentsOf } from '../../models/catalog';
import { classCount, defaultTrainerConfig, formatDuration, plannedSteps, trainSize, type TrainerConfig } from '../../train/config';
import { optimizerFor, samePage, scheduleFor } from '../../config/page-config';
import { controller } from '../store/controller-instance';
import { PRESETS, presetOf } from '../../config/presets';
import { useSession } from '../store/session-store';
import { Field, Fieldset, NumberInput } from './Field';
import { MethodFields } from './MethodFields';
import { SeedFields } from './SeedFields';

export function SetupPanel() {
  const { draft, errors, setDraft, applied, throughput, local } = useSession(
    useShallow((s) => ({
      draft: s.draft,
      errors: s.draftErrors,
      setDraft: s.setDraft,
      applied: s.applied,
      throughput: s.throughput,
      local: s.local,
    })),
  );
  const { config, compare } = draft;
  const applyButton = useRef<HTMLButtonElement>(null);
  const update = (change: Partial<TrainerConfig>, nextCompare: Method[] = compare) =>
    setDraft({ config: { ...config, ...change } as TrainerConfig, compare: nextCompare });
  const method = config.method as MethodConfig & Record<string, unknown>;
  const teacher =
    config.dataset !== 'local'
      ? MODEL_CATALOG.find((m) => m.dataset === config.dataset && m.role === 'teacher')!
      : local?.teacher.kind === 'model'
        ? { name: 'your model', parameters: local.teacher.parameters }
        : { name: `logits from ${local?.teacher.kind === 'logits' ? local.teacher.file : '?'}`, parameters: 0 };
  const student = catalogEntry(config.student, local);
  // While a configuration prepares (the first load, or an Apply), nothing is "not applied yet": no Apply that would start it again.
  const preparing = useSession((s) => s.status === 'loading' || (!s.applied && s.backend.status === 'starting'));
  const dirty = !preparing && (!applied || !samePage(applied.page, draft));
  const invalid = Object.keys(errors).length > 0;
  const error = (path: string) => errors[path];
  const preset = presetOf(draft);
  const steps = plannedSteps(config, local);
  const runCount = 1 + compare.length;
  // The measured speed belongs to the applied configuration; it predicts the draft only when they are the same.
  const measured = !dirty && throughput && throughput.stepsPerSecond > 0 ? throughput.stepsPerSecond : null;

  const setDataset = (dataset: AnyDatasetId) => {
    // To or from the digit scenes (a detection race): that task's defaults (batch, budget, DKD's detection settings), the methods kept.
    if (dataset === 'scenes' || config.dataset === 'scenes') {
      const base = defaultTrainerConfig(dataset, local);
      const m = method.method;
      setDraft({ config: { ...base, method: { ...methodDefaults(m, dataset) } as MethodConfig, seeds: config.seeds, seed: config.seed }, compare });
      return;
    }
    const stagesMax = classCount(dataset, local);
    const nextMethod = method.method === 'pcd' ? { ...method, stages: Math.min(method.stages, stagesMax) } : method;
    update({
      dataset,
      student: defaultStudentOf(dataset),
      trainSubset: Math.min(config.trainSubset, trainSize(dataset, local)),
      method: nextMethod as MethodConfig,
      ...(dataset === 'local' && local?.teacher.kind === 'logits' ? { augmentation: false } : {}),
    });
  };
  const setMethod = (m: Method) => {
    const next = { ...methodDefaults(m, config.dataset, classCount(config.dataset, local)) } as MethodConfig;
    update(
      { method: next, schedule: m === 'pcd' ? config.schedule : { kind: 'joint' } },
      compare.filter((c) => c !== m),
    );
  };

  return (
    <aside className="card setup" aria-labelledby="setup-title" data-testid="setup">
      <header className="card-header">
        <h2 id="setup-title" tabIndex={-1}>
          Setup
        </h2>
      </header>
      <Field label="Preset" className="wide" explain={preset?.explanation ?? 'Start from a ready configuration, then change anything.'}>
        {(id, describedBy) => (
          <select
            id={id}
            aria-describedby={describedBy}
            value={preset?.id ?? ''}
            onChange={(e) => {
              const preset = PRESETS.find((p) => p.id === e.target.value);
              if (preset) setDraft(structuredClone(preset.page));
            }}
          >
            <option value="" disabled>
              (custom)
            </option>
            {PRESETS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} · {plannedSteps(p.page.config, local).total.toLocaleString('en')} steps
              </option>
            ))}
          </select>
        )}
      </Field>
      {preset && dirty && !invalid ? (
        // One Tab from the preset, instead of walking every field down to the Apply at the bottom.
        <button
          type="button"
          className="primary apply-preset"
          onClick={() => {
            // The button goes once the preset is applied: focus stays in the panel, on its heading, not on the page's body.
            document.getElementById('setup-title')?.focus();
            void controller.apply();
          }}
          data-testid="apply-preset"
        >
          Apply this preset
        </button>
      ) : null}

      <Fieldset legend="Data">
        <Field
          label="Dataset"
          className="wide"
          explain={
            config.dataset === 'local' && local
              ? `Yours: ${local.name}, ${local.classNames.length} classes, samples of shape [${local.featureShape.join(' × ')}], kept in this browser only (the link says "dataset=local", not the data).`
              : config.dataset === 'scenes'
                ? 'Digit scenes: 64 × 64 images holding 1–4 MNIST digits each, with their boxes: a detection task. A grid detector classifies each of its 8 × 8 cells over the ten digits and background; AP replaces accuracy.'
                : 'MNIST: real handwritten digits. Synthetic: 100 classes in 20 look-alike families of 5; class s07.c3 is class 3 of family (superclass) 7. Digit scenes: detection. Or load your own with "Your data".'
          }
          error={error('dataset')}
        >
          {(id, d) => (
            <select id={id} aria-describedby={d} value={config.dataset} onChange={(e) => setDataset(e.target.value as AnyDatasetId)}>
              <option value="mnist">MNIST digits (10 classes)</option>
              <option value="synthetic100">Synthetic: 100 classes, 20 families</option>
              <option value="scenes">Digit scenes (detection)</option>
              {local ? (
                <option value="local">
                  Yours: {local.name} ({local.classNames.length} classes)
                </option>
              ) : null}
            </select>
          )}
        </Field>
        <button type="button" className="link-button" onClick={() => useSession.getState().openLocalPanel(true)} data-testid="open-local">
          {local ? 'Your data: load another…' : 'Your data: load your own dataset and teacher…'}
        </button>
        <Field
          label="Training samples"
          explain={`How many of the ${trainSize(config.dataset, local).toLocaleString('en')} training samples to use: a teacher helps most with few.`}
          error={error('trainSubset')}
        >
          {(id, d) => (
            <NumberInput
              id={id}
              describedBy={d}
              value={config.trainSubset}
              min={1}
              max={Math.max(1, trainSize(config.dataset, local))}
              step={1}
              invalid={!!error('trainSubset')}
              onChange={(v) => update({ trainSubset: v })}
            />
          )}
        </Field>
        <Field
          label="Augmentation"
          explain="Random shifts of up to 2 px (MNIST); the teacher then runs on every batch instead of its cached logits."
          className="check"
        >
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="checkbox"
              checked={config.augmentation}
              onChange={(e) => update({ augmentation: e.target.checked })}
            />
          )}
        </Field>
      </Fieldset>

      <Fieldset legend="Student">
        <Field
          label="Architecture"
          className="wide"
          explain={`Teacher: ${teacher.name}${teacher.parameters ? `, ${teacher.parameters.toLocaleString('en')} parameters` : ''}. Student: ${student ? `${student.description}, ${student.parameters.toLocaleString('en')} parameters${teacher.parameters ? ` (${(teacher.parameters / student.parameters).toFixed(0)}× smaller)` : ''}` : '?'}.`}
          error={error('student')}
        >
          {(id, d) => (
            <select id={id} aria-describedby={d} value={config.student} onChange={(e) => update({ student: e.target.value })}>
              {studentsOf(config.dataset, local).map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name} ({m.parameters.toLocaleString('en')} parameters)
                </option>
              ))}
            </select>
          )}
        </Field>
      </Fieldset>

      <MethodFields method={method} compare={compare} update={update} setMethod={setMethod} error={error} />

      <Fieldset legend="Schedule">
        <Field
          label="Stage schedule"
          className="wide"
          explain={
            method.method === 'pcd'
              ? 'Joint: the paper’s loss, every stage at every step. The others give each stage its own phase (edit custom phases in the Stage schedule chart).'
              : 'Stage schedules belong to PCD.'
          }
          error={error('schedule.kind') ?? error('schedule.segments')}
        >
          {(id, d) => (
            <select
              id={id}
              aria-describedby={d}
              value={config.schedule.kind}
              disabled={method.method !== 'pcd'}
              onChange={(e) => update({ schedule: scheduleFor(e.target.value, method.method === 'pcd' ? method.stages : 1)! })}
            >
              <option value="joint">joint (paper: all stages, every step)</option>
              <option value="bidirectional">bidirectional: S … 1, 1 … S</option>
              <option value="fine-to-coarse">fine → coarse: S … 1</option>
              <option value="coarse-to-fine">coarse → fine: 1 … S</option>
              <option value="custom">custom phases</option>
            </select>
          )}
        </Field>
        <Field
          label="Warm-up share"
          explain="Fraction of training over which the DKD and PCD terms ramp in from 0 (paper: 20 of 240 epochs). KD has no warm-up: the spec’s KD loss, like mdistiller’s, applies its weight from step 1."
          error={error('warmupShare')}
        >
          {(id, d) => (
            <NumberInput
              id={id}
              describedBy={d}
              value={config.warmupShare}
              min={0}
              max={1}
              step={0.01}
              invalid={!!error('warmupShare')}
              onChange={(v) => update({ warmupShare: v })}
            />
          )}
        </Field>
      </Fieldset>

      <Fieldset legend="Optimization">
        <Field label="Optimizer" explain="Adam adapts each weight’s step; SGD with momentum is what the paper uses." error={error('optimizer.kind')}>
          {(id, d) => (
            <select id={id} aria-describedby={d} value={config.optimizer.kind} onChange={(e) => update({ optimizer: optimizerFor(e.target.value)! })}>
              <option value="adam">Adam</option>
              <option value="sgd">SGD with momentum</option>
            </select>
          )}
        </Field>
        <Field
          label="Learning rate"
          explain={
            config.optimizer.learningRate > (config.optimizer.kind === 'adam' ? 0.1 : 1)
              ? `Unusually high for ${config.optimizer.kind === 'adam' ? 'Adam (0.001–0.02 is usual; 0.01 is the default)' : 'SGD'}: expect the loss to blow up (training then pauses and says where).`
              : 'Step size; too high and the loss turns NaN (training then pauses and says where).'
          }
          error={error('optimizer.learningRate')}
        >
          {(id, d) => (
            <NumberInput
              id={id}
              describedBy={d}
              value={config.optimizer.learningRate}
              min={0}
              step={0.0005}
              invalid={!!error('optimizer.learningRate')}
              onChange={(v) => update({ optimizer: { ...config.optimizer, learningRate: v } })}
            />
          )}
        </Field>
        {config.optimizer.kind === 'sgd' ? (
          <Field label="Momentum" explain="Share of the previous step kept in the next (0 … < 1)." error={error('optimizer.momentum')}>
            {(id, d) => (
              <NumberInput
                id={id}
                describedBy={d}
                value={config.optimizer.kind === 'sgd' ? config.optimizer.momentum : 0}
                min={0}
                max={0.99}
                step={0.05}
                invalid={!!error('optimizer.momentum')}
                onChange={(v) => update({ optimizer: { kind: 'sgd', learningRate: config.optimizer.learningRate, momentum: v } })}
              />
            )}
          </Field>
        ) : null}
        <Field label="Learning-rate schedule" explain="Cosine decays the rate to 0 over the budget." error={error('learningRateSchedule')}>
          {(id, d) => (
            <select
              id={id}
              aria-describedby={d}
              value={config.learningRateSchedule}
              onChange={(e) => update({ learningRateSchedule: e.target.value as TrainerConfig['learningRateSchedule'] })}
            >
              <option value="cosine">cosine</option>
              <option value="constant">constant</option>
            </select>
          )}
        </Field>
        <Field label="Batch size" explain="Samples per step (1 … 4096)." error={error('batchSize')}>
          {(id, d) => (
            <NumberInput
              id={id}
              describedBy={d}
              value={config.batchSize}
              min={1}
              max={4096}
              step={1}
              invalid={!!error('batchSize')}
              onChange={(v) => update({ batchSize: v })}
            />
          )}
        </Field>
        <div className="field-pair">
          <Field label="Budget" explain="How long to train." error={error('budget.amount')}>
            {(id, d) => (
              <NumberInput
                id={id}
                describedBy={d}
                value={config.budget.amount}
                min={1}
                step={1}
                invalid={!!error('budget.amount')}
                onChange={(v) => update({ budget: { ...config.budget, amount: v } })}
              />
            )}
          </Field>
          <Field label="Unit" explain="Epochs or steps.">
            {(id, d) => (
              <select
                id={id}
                aria-describedby={d}
                value={config.budget.unit}
                onChange={(e) => update({ budget: { ...config.budget, unit: e.target.value as 'epochs' | 'steps' } })}
              >
                <option value="epochs">epochs</option>
                <option value="steps">steps</option>
              </select>
            )}
          </Field>
        </div>
        <p className="explain budget-steps" data-testid="planned-steps">
          {steps.total.toLocaleString('en')} steps{config.budget.unit === 'epochs' ? ` (${steps.perEpoch.toLocaleString('en')} per epoch)` : ''}
          {runCount > 1 || config.seeds > 1
            ? `, each a step of ${config.seeds > 1 ? `${runCount} run${runCount > 1 ? 's' : ''} × ${config.seeds} seeds` : `all ${runCount} runs`}`
            : ''}
          {measured
            ? ` · about ${formatDuration(steps.total / measured)} in all at the ${measured.toFixed(1)} steps/s measured now`
            : applied && !dirty
              ? ' · the time to the end shows once training runs'
              : ''}
          .
          {applied && !dirty && (runCount > 1 || config.seeds > 1) ? (
            <span data-testid="engine" data-engine={applied.info.engine}>
              {applied.info.engine === 'stacked'
                ? ' Every run of every seed trains as one computation (stacked weights, one batched pass).'
                : ' The runs train one after the other.'}
            </span>
          ) : null}
        </p>
        <SeedFields config={config} error={error} update={update} />
      </Fieldset>

      {errors['(config)'] || errors.runs ? (
        <p className="field-error" role="alert">
          {errors['(config)'] ?? errors.runs}
        </p>
      ) : null}
      <div className="apply-row">
        <button
          ref={applyButton}
          type="button"
          className="primary"
          // The button is disabled while the apply prepares; focus comes back to it after.
          onClick={() => void controller.apply().then(() => applyButton.current?.focus())}
          // Also while an earlier Apply prepares: the newer one supersedes it at its next chunk.
          disabled={invalid}
          data-testid="apply"
          // With nothing new to apply, Space after Apply plays or pauses (it does not restart the run again).
          data-space-plays={applied && !dirty ? 'true' : undefined}
        >
          {applied ? 'Apply (restarts training)' : 'Apply'}
        </button>
        {invalid ? (
          <span className="field-error">Fix the fields marked above to apply.</span>
        ) : preparing ? (
          <span className="pending" data-testid="setup-preparing">
            Preparing this configuration…
          </span>
        ) : dirty ? (
          <span className="pending">Changes not applied yet.</span>
        ) : (
          <span className="applied">Training this configuration.</span>
        )}
      </div>
    </aside>
  );
}
