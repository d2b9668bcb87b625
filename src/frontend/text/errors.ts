/**
 * Errors of the text DSL: a ScriptError says where (source:line:column, the line, a caret under
 * the fault), what went wrong, and what was expected or meant.
 */
import { WgrtError } from '../../errors.js';

export class ScriptError extends WgrtError {
  override readonly name = 'ScriptError';
  /** 1-based. */
  readonly line: number;
  /** 1-based, in characters. */
  readonly column: number;
  /** Where the script came from (a file name, or '<script>'). */
  readonly source: string;
  /** The bare message, without position and excerpt. */
  readonly detail: string;

  constructor(detail: string, where: { text: string; offset: number; source: string }, options?: { cause?: unknown }) {
    const { line, column, lineText } = locate(where.text, where.offset);
    const gutter = `${line} | `;
    super(
      `${where.source}:${line}:${column}: ${detail}\n${gutter}${lineText}\n${' '.repeat(gutter.length - 2)}| ${' '.repeat(column - 1)}^`,
      options,
    );
    this.line = line;
    this.column = column;
    this.source = where.source;
    this.detail = detail;
  }
}

/** 1-based line and column of `offset`, and the text of its line (tabs kept, so the caret lines up in a terminal only roughly). */
export function locate(text: string, offset: number): { line: number; column: number; lineText: string } {
  const at = Math.max(0, Math.min(offset, text.length));
  const start = text.lastIndexOf('\n', at - 1) + 1;
  const endNl = text.indexOf('\n', at);
  const end = endNl < 0 ? text.length : endNl;
  let line = 1;
  for (let i = 0; i < start; i++) if (text.charCodeAt(i) === 10) line++;
  return { line, column: at - start + 1, lineText: text.slice(start, end).replace(/\r$/, '') };
}

/** "; did you mean 'conv2d'?" for the closest of `known` to `name`, or '' when none is close. */
export function didYouMean(name: string, known: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    // Case-blind first ('Conv2D' is close to 'conv2d'), then the exact case breaks ties ('Rleu': 'Relu', not 'relu').
    const d = editDistance(name.toLowerCase(), k.toLowerCase()) + editDistance(name, k) / 100;
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  // Close enough to be a typo: a third of the name, at least 2 edits (a swap counts as one).
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? `; did you mean '${best}'?` : '';
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 0; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}
