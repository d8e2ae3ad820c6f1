import type { TrainerConfig } from '../../train/config';
import { Field, NumberInput } from './Field';

/** The setup panel's seed and number of seeds (every run trains on seed, seed + 1, …). */
export function SeedFields({
  config,
  error,
  update,
}: {
  config: TrainerConfig;
  error: (path: string) => string | undefined;
  update: (change: Partial<TrainerConfig>) => void;
}) {
  return (
    <>
      <Field label="Seed" explain="Same seed, same initial weights and batches (bit-identical on the CPU backend)." error={error('seed')}>
        {(id, d) => (
          <NumberInput id={id} describedBy={d} value={config.seed} step={1} invalid={!!error('seed')} onChange={(v) => update({ seed: v })} />
        )}
      </Field>
      <Field
        label="Seeds"
        explain={`Every run trains on seeds ${config.seed} … ${config.seed + Math.max(1, config.seeds) - 1}: the charts show the mean and its spread, and the verdict pairs the runs seed by seed. Each seed costs a race.`}
        error={error('seeds')}
      >
        {(id, d) => (
          <NumberInput
            id={id}
            describedBy={d}
            value={config.seeds}
            step={1}
            min={1}
            max={10}
            invalid={!!error('seeds')}
            onChange={(v) => update({ seeds: v })}
          />
        )}
      </Field>
    </>
  );
}
