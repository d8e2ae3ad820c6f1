import type KatexModule from 'katex';
import { useEffect, useState } from 'react';

type Katex = typeof KatexModule;
let loaded: Promise<Katex> | null = null;
/** KaTeX, loaded the first time a formula shows (a chunk of its own: the page's bundle stays small). */
const katex = () => (loaded ??= import('katex').then((m) => (m as unknown as { default?: Katex }).default ?? m));

/** KaTeX's MathML of `tex`, or null until KaTeX has loaded (or if it failed). */
function useMathMl(tex: string, displayMode: boolean): string | null {
  const [markup, setMarkup] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    katex()
      .then((k) => current && setMarkup(k.renderToString(tex, { output: 'mathml', displayMode, throwOnError: true })))
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [tex, displayMode]);
  return markup;
}

/**
 * A formula typeset by KaTeX as MathML, which the browser lays out itself: no inline styles
 * and no eval, so it fits the site's CSP, and screen readers read MathML. Until KaTeX has
 * loaded (or if it fails), the plain reading shows.
 */
export function Formula({ tex, says }: { tex: string; says: string }) {
  const markup = useMathMl(tex, true);
  return markup ? (
    // KaTeX's MathML (which assistive technology reads as math) from the chapter's own constant TeX, never user input.
    // Focusable: a formula wider than its column scrolls, and a keyboard must be able to scroll it (WCAG 2.1.1).
    <div className="formula" tabIndex={0} data-testid="formula" data-says={says} dangerouslySetInnerHTML={{ __html: markup }} />
  ) : (
    <p className="formula" role="math" aria-label={says} tabIndex={0}>
      {says}
    </p>
  );
}

/**
 * Math inside a sentence (a chart's caption, a table's header): typeset inline, with the
 * plain reading (`says`, Unicode such as "Lₖ") until KaTeX has loaded.
 */
export function M({ tex, says }: { tex: string; says: string }) {
  const markup = useMathMl(tex, false);
  return markup ? (
    // The TeX is the page's own constant, never user input.
    <span className="math-inline" data-says={says} dangerouslySetInnerHTML={{ __html: markup }} />
  ) : (
    <span className="math-inline" role="math" aria-label={says}>
      {says}
    </span>
  );
}
