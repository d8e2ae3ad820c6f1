import { useEffect, useMemo, useRef, useState } from 'react';
import { runColour, superclassColour, viridisRgb } from '../../config/palette';
import { superclassAccuracy } from '../../config/superclass';
import { useSession } from '../store/session-store';
import { ChartCard } from './ChartCard';
import { BarPlot } from './plot';
import { useEvaluations, useRunName } from './use-live';

/** The confusion matrix on a canvas (rows = true class, columns = predicted, row-normalised). */
function Confusion({ matrix, classes, names }: { matrix: Int32Array; classes: number; names: string[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const context = canvas.current?.getContext('2d');
    if (!context) return;
    // One pixel per cell, scaled up by CSS: a single putImageData instead of C² fills.
    const image = context.createImageData(classes, classes);
    for (let t = 0; t < classes; t++) {
      let total = 0;
      for (let p = 0; p < classes; p++) total += matrix[t * classes + p];
      for (let p = 0; p < classes; p++) {
        const [r, g, b] = viridisRgb(total ? matrix[t * classes + p] / total : 0);
        const at = 4 * (t * classes + p);
        image.data[at] = r;
        image.data[at + 1] = g;
        image.data[at + 2] = b;
        image.data[at + 3] = 255;
      }
    }
    context.putImageData(image, 0, 0);
  }, [matrix, classes]);
  let correct = 0;
  let total = 0;
  for (let t = 0; t < classes; t++)
    for (let p = 0; p < classes; p++) {
      total += matrix[t * classes + p];
      if (t === p) correct += matrix[t * classes + p];
    }
  return (
    <figure className="confusion">
      <canvas
        ref={canvas}
        width={classes}
        height={classes}
        role="img"
        aria-label={`Confusion matrix of ${classes} classes (${names.slice(0, 3).join(', ')}…): ${correct} of ${total} test samples on the diagonal`}
      />
      <figcaption>Confusion (rows: true class, columns: predicted; dark = 0, yellow = the whole row)</figcaption>
    </figure>
  );
}

/** Per-class test accuracy of the selected run at its latest evaluation, and its confusion matrix. */
export function PerClassChart() {
  const name = useRunName();
  const { frame, applied } = useEvaluations();
  const selectedRun = useSession((s) => s.selectedRun);
  const hidden = useSession((s) => s.hide.includes('confusion'));
  const names = useMemo(() => applied?.info.classNames ?? [], [applied]);
  const detection = applied?.info.task === 'detection';
  const latest = useMemo(() => {
    const { evaluations } = frame.live;
    return [...evaluations].reverse().find((e) => e.id === selectedRun) ?? evaluations.at(-1) ?? null;
  }, [frame, selectedRun]);
  const colour = runColour(latest?.id ?? selectedRun ?? 'pcd');
  // Superclasses, where the dataset has them (the synthetic families, a CSV's superclass column).
  const superclassOf = applied?.info.superclassOf;
  const superclassNames = applied?.info.superclassNames;
  const [bySuperclass, setBySuperclass] = useState(false);
  const colourBySuperclass = bySuperclass && !!superclassOf;
  const data = useMemo(
    () =>
      latest
        ? latest.perClassAccuracy.map((a, c) => ({
            label: names[c] ?? String(c),
            value: 100 * a,
            colour: colourBySuperclass ? superclassColour(superclassOf![c]) : colour,
            ...(superclassOf ? { detail: superclassNames?.[superclassOf[c]] ?? `superclass ${superclassOf[c]}` } : {}),
          }))
        : [],
    [latest, names, colour, colourBySuperclass, superclassOf, superclassNames],
  );
  const families = superclassOf && latest ? superclassAccuracy(latest.confusion, superclassOf) : null;
  return (
    <ChartCard
      id="per-class"
      title={`Per-class ${detection ? 'AP' : 'accuracy'}${latest ? ` of ${name(latest.id)} at step ${latest.step}` : ''}`}
      explanation={
        detection
          ? 'COCO AP@[.5:.95] × 100 of every digit on the test scenes at the latest evaluation (pick the run above the ranking chart).'
          : 'Test accuracy of every class at the latest evaluation, and which classes the student confuses (pick the run above the ranking chart).'
      }
      empty={latest ? null : 'Comes with the first evaluation (end of the first epoch).'}
    >
      {superclassOf && latest ? (
        <>
          <div className="card-controls">
            <label>
              <input type="checkbox" checked={bySuperclass} onChange={(e) => setBySuperclass(e.target.checked)} data-testid="colour-superclass" />{' '}
              colour the bars by superclass
            </label>
          </div>
          <p className="explain" data-testid="superclass-accuracy">
            Superclass accuracy {families === null ? '–' : `${(100 * families).toFixed(1)}%`} (the predicted class is in the label's superclass),
            class accuracy {(100 * latest.testAccuracy).toFixed(1)}%: the gap is what the student confuses within a superclass (the blocks along the
            confusion matrix's diagonal).
          </p>
        </>
      ) : null}
      {
        <div className={hidden || detection ? 'per-class no-confusion' : 'per-class'}>
          <BarPlot
            label={`Per-class test ${detection ? 'AP' : 'accuracy'}${latest ? ` of ${latest.id}` : ''}`}
            bars={data}
            height={200}
            y={{ domain: [0, 100], label: detection ? 'AP × 100' : 'accuracy %' }}
            xLabel={detection ? 'digit' : 'class'}
          />
          {hidden || !latest || detection ? null : <Confusion matrix={latest.confusion} classes={names.length} names={names} />}
        </div>
      }
    </ChartCard>
  );
}
