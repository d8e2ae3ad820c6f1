// Where a chart is drawn: the presentation view draws the chart the lecturer picked large
// (its plots taller) and the others in a strip below it.
import { createContext, useContext } from 'react';
import type { LessonChart } from '../../lessons/chapters';

export interface Slot {
  /** The chart in this slot (null outside the page's chart grid: the inspector). */
  id: LessonChart | null;
  /** The presentation view's large chart. */
  large: boolean;
}

export const ChartSlot = createContext<Slot>({ id: null, large: false });

/** How much taller the large chart's plots are than the strip's. */
export const LARGE_GROW = 1.8;

export function useChartSlot(): Slot {
  return useContext(ChartSlot);
}
