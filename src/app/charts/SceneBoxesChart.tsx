import { useEffect, useMemo, useRef } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { runColour, RUN_LABEL } from '../../config/palette';
import type { ProbeBox, ProbeSnapshot } from '../../worker/api';
import { useSession } from '../store/session-store';
import { ChartCard } from './ChartCard';
import { useShownProbe } from './use-live';

/** Boxes drawn from this score up (a detector's low-score boxes are many, and count for AP, but hide the picture). */
export const SHOWN_SCORE = 0.3;
/** Pixels per scene pixel (64 × 64 scenes). */
const SCALE = 3;
const SIZE = 64 * SCALE;
const TEACHER_COLOUR = '#6b7280';

/** A scene's grey levels on a canvas, black digits on white as the other charts' paper. */
function ScenePixels({ pixels }: { pixels: Uint8Array }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    const image = context.createImageData(64, 64);
    for (let i = 0; i < 4096; i++) {
      const v = 255 - pixels[i];
      image.data.set([v, v, v, 255], 4 * i);
    }
    context.putImageData(image, 0, 0);
  }, [pixels]);
  return <canvas ref={canvas} width={64} height={64} aria-hidden="true" />;
}

function Box({ box, colour, dash, text, at }: { box: ProbeBox['box']; colour: string; dash?: string; text?: string; at?: 'top' | 'bottom' }) {
  const [x, y, w, h] = box.map((v) => v * SCALE);
  const textY = at === 'bottom' ? Math.min(y + h + 11, SIZE - 2) : Math.max(y - 3, 10);
  return (
    <g>
      <rect x={x} y={y} width={w} height={h} fill="none" stroke={colour} strokeWidth={2} strokeDasharray={dash} />
      {text ? (
        <text x={Math.max(1, Math.min(x, SIZE - 40))} y={textY} className="box-label" fill={colour}>
          {text}
        </text>
      ) : null}
    </g>
  );
}

/** The words a screen reader gets for one scene. */
function describeScene(scene: NonNullable<ProbeSnapshot['detection']>['scenes'][number], run: string | null): string {
  const truth = scene.truth.map((t) => t.label).join(', ');
  const boxes = (run ? scene.runs[run] : null)?.filter((b) => b.score >= SHOWN_SCORE) ?? [];
  return (
    `Test scene ${scene.index + 1}: digits ${truth}. ` +
    (run
      ? `${RUN_LABEL[run] ?? run} finds ${boxes.length ? boxes.map((b) => `${b.label} (${b.score.toFixed(2)})`).join(', ') : 'nothing'} at score ${SHOWN_SCORE} or more.`
      : '')
  );
}

/**
 * The probe scenes of a detection race with the ground truth, the teacher's boxes and the
 * picked run's, under the history slider; the probe cell the other probe charts show is
 * outlined. Shows nothing in a classification race.
 */
export function SceneBoxesChart() {
  const { probe, applied } = useShownProbe();
  const { selectedRun, probeSample } = useSession(useShallow((s) => ({ selectedRun: s.selectedRun, probeSample: s.probeSample })));
  const detection = probe?.detection ?? null;
  const run = selectedRun && detection?.scenes[0]?.runs[selectedRun] ? selectedRun : (applied?.info.runs.at(-1)?.id ?? null);
  const cell = detection?.cells[Math.min(probeSample, detection.cells.length - 1)] ?? null;
  const scenes = useMemo(() => detection?.scenes ?? [], [detection]);
  if (applied?.info.task !== 'detection') return null;
  const colour = run ? runColour(run) : '#000';
  return (
    <ChartCard
      id="scenes"
      title={`Boxes on the probe scenes${probe ? ` at step ${probe.step}` : ''}`}
      explanation={
        <>
          The first test scenes: the true boxes dashed, the teacher&apos;s in grey, and{' '}
          <strong style={{ color: colour }}>{run ? (RUN_LABEL[run] ?? run) : 'the run'}</strong>&apos;s (pick the run below) with class and score,
          from score {SHOWN_SCORE} up, after per-class NMS. The outlined cell is the probe sample the ranking, groups and probability charts show: one
          cell&apos;s 10 digits plus background. Drag the history slider to watch the boxes sharpen.
        </>
      }
      empty={detection ? null : 'The probe scenes come with the first probe.'}
    >
      <div className="scene-boxes" data-testid="scene-boxes">
        {scenes.map((scene, s) => (
          <figure key={scene.index} className="scene" data-scene={scene.index}>
            <div className="scene-frame" role="img" aria-label={describeScene(scene, run)}>
              <ScenePixels pixels={scene.pixels} />
              <svg viewBox={`0 0 ${SIZE} ${SIZE}`} width={SIZE} height={SIZE} aria-hidden="true">
                {cell && cell.scene === s ? (
                  <rect
                    x={(cell.cell % 8) * 8 * SCALE}
                    y={Math.floor(cell.cell / 8) * 8 * SCALE}
                    width={8 * SCALE}
                    height={8 * SCALE}
                    className="probe-cell"
                    data-testid="probe-cell"
                  />
                ) : null}
                {scene.truth.map((t, i) => (
                  <Box key={`t${i}`} box={t.box} colour="#111827" dash="4 3" />
                ))}
                {(scene.teacher ?? [])
                  .filter((b) => b.score >= SHOWN_SCORE)
                  .map((b, i) => (
                    <Box key={`T${i}`} box={b.box} colour={TEACHER_COLOUR} text={`${b.label} ${b.score.toFixed(2)}`} at="bottom" />
                  ))}
                {(run ? scene.runs[run] : [])
                  .filter((b) => b.score >= SHOWN_SCORE)
                  .map((b, i) => (
                    <Box key={`r${i}`} box={b.box} colour={colour} text={`${b.label} ${b.score.toFixed(2)}`} />
                  ))}
              </svg>
            </div>
            <figcaption>
              scene {scene.index + 1}: {scene.truth.map((t) => t.label).join(' ')}
            </figcaption>
          </figure>
        ))}
      </div>
    </ChartCard>
  );
}
