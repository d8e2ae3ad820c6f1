// The layout facts a reader at the back of a hall, or holding a phone, would notice, read off
// the page: sideways scrolling, controls that leave their card, titles cut, labels that run
// together, and the type sizes.
import type { Page } from '@playwright/test';

export interface LayoutFacts {
  /** How many CSS pixels the document is wider than the viewport. */
  overflowX: number;
  /** Controls, titles and plots that cross their card's edge ("card title > element: text"). */
  outOfCard: string[];
  /** Titles and buttons whose text is cut (wider than their box). */
  cut: string[];
  /** Pairs of axis labels of one plot whose boxes intersect. */
  overlapping: string[];
  /** The smallest font sizes in px: axis labels, legends, card titles. */
  axisPx: number;
  legendPx: number;
  titlePx: number;
  /** The chart cards of the grid in order (the probe controls left out): their test id (or class) and width. */
  charts: { id: string; width: number }[];
}

export function layoutFacts(page: Page): Promise<LayoutFacts> {
  // A string, not a function: the test runner's transpiler would add helpers the page lacks.
  return page.evaluate(`(() => {
    const shown = (e) => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
    const outOfCard = [];
    for (const card of document.querySelectorAll('.card')) {
      if (!shown(card)) continue;
      const r = card.getBoundingClientRect();
      for (const e of card.querySelectorAll('h2, button, select, label, input, .legend, table, svg, .plot')) {
        const b = e.getBoundingClientRect();
        if (shown(e) && (b.right > r.right + 1 || b.left < r.left - 1))
          outOfCard.push((card.querySelector('h2')?.textContent ?? card.className).slice(0, 30) + ' > ' + e.tagName.toLowerCase() + ': ' + (e.textContent ?? '').slice(0, 30));
      }
    }
    const cut = [...document.querySelectorAll('.card h2, button')].filter((e) => shown(e) && e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent.slice(0, 40));
    const overlapping = [];
    for (const svg of document.querySelectorAll('.plot svg')) {
      const boxes = [...svg.querySelectorAll('.axis text')].map((t) => [t.textContent, t.getBoundingClientRect()]).filter(([, b]) => b.width > 0);
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) {
          const [ta, a] = boxes[i];
          const [tb, b] = boxes[j];
          const dx = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const dy = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (dx > 0.5 && dy > 0.5) overlapping.push(ta + ' / ' + tb);
        }
    }
    const smallest = (selector) => Math.min(...[...document.querySelectorAll(selector)].filter(shown).map((e) => parseFloat(getComputedStyle(e).fontSize)));
    const charts = [...document.querySelectorAll('#charts > .card:not(.probe-bar)')].filter(shown).map((e) => ({ id: e.dataset.testid ?? e.className, width: e.getBoundingClientRect().width }));
    return {
      overflowX: document.documentElement.scrollWidth - document.documentElement.clientWidth,
      outOfCard, cut, overlapping,
      axisPx: smallest('.plot .axis text'), legendPx: smallest('.legend li'), titlePx: smallest('.card h2'),
      charts,
    };
  })()`);
}
