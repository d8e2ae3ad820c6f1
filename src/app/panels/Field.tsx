import { useId, type ReactNode } from 'react';

/** A labelled control with its one-line explanation and, inline, what the schema says is wrong. */
export function Field(props: {
  label: string;
  explain: string;
  error?: string;
  children: (id: string, describedBy: string) => ReactNode;
  className?: string;
}) {
  const id = useId();
  const describedBy = `${id}-explain${props.error ? ` ${id}-error` : ''}`;
  return (
    <div className={`field ${props.className ?? ''} ${props.error ? 'field-invalid' : ''}`}>
      <label htmlFor={id}>{props.label}</label>
      {props.children(id, describedBy)}
      <small id={`${id}-explain`} className="explain">
        {props.explain}
      </small>
      {props.error ? (
        <small id={`${id}-error`} className="field-error" role="alert">
          {props.error}
        </small>
      ) : null}
    </div>
  );
}

export function NumberInput(props: {
  id: string;
  describedBy: string;
  value: number;
  onChange: (value: number) => void;
  min?: number;
  max?: number;
  step?: number | 'any';
  invalid?: boolean;
}) {
  return (
    <input
      id={props.id}
      type="number"
      inputMode="decimal"
      aria-describedby={props.describedBy}
      aria-invalid={props.invalid || undefined}
      value={Number.isFinite(props.value) ? props.value : ''}
      min={props.min}
      max={props.max}
      step={props.step ?? 'any'}
      onChange={(e) => props.onChange(e.target.valueAsNumber)}
    />
  );
}

/** A titled group of fields (the setup panel's sections, the steps of "Your data"). */
export function Fieldset({ legend, className = 'setup-group', children }: { legend: string; className?: string; children: ReactNode }) {
  return (
    <fieldset className={className}>
      <legend>{legend}</legend>
      {children}
    </fieldset>
  );
}
