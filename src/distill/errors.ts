/**
 * The error every distillation function throws for bad input. It names the option, the
 * value given and what is allowed, so a user (or the setup panel) can say exactly what
 * to fix.
 */
export class DistillInputError extends Error {
  readonly option: string;
  readonly value: unknown;
  readonly allowed: string;

  constructor(option: string, value: unknown, allowed: string) {
    super(`${option} = ${describeValue(value)} is invalid: expected ${allowed}`);
    this.name = 'DistillInputError';
    this.option = option;
    this.value = value;
    this.allowed = allowed;
  }
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.join(', ')}]`;
  return String(value);
}

export function requireFinitePositive(option: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new DistillInputError(option, value, 'a finite number > 0');
  }
}

export function requireFiniteNonNegative(option: string, value: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new DistillInputError(option, value, 'a finite number ≥ 0');
  }
}

export function requireIntegerInRange(option: string, value: number, min: number, max: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new DistillInputError(option, value, `an integer in ${min}…${max}`);
  }
}

export function requireBoolean(option: string, value: unknown): void {
  if (typeof value !== 'boolean') throw new DistillInputError(option, value, 'true or false');
}
