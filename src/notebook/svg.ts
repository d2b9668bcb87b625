/**
 * Text helpers for the SVG/HTML the notebook helpers return. Node and tensor names come from
 * user models, so every piece of text goes through `escapeXml` before it reaches markup: an
 * ONNX node called `<script>` must show up as text, and the SVG must stay well-formed XML so
 * that it renders in exported notebook HTML and parses in any XML tool.
 */

/**
 * Characters XML 1.0 does not allow at all (C0 controls other than tab/newline/return, U+FFFE,
 * U+FFFF, lone surrogates). Escaping cannot save them, so they become U+FFFD.
 */
// eslint-disable-next-line no-control-regex
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe both as element content and inside a double- or single-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/** Attributes as ` k="v"` pairs, values escaped; undefined values are left out. */
export function attrs(a: Readonly<Record<string, string | number | undefined>>): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) if (v !== undefined) out += ` ${k}="${escapeXml(typeof v === 'number' ? fmt(v) : v)}"`;
  return out;
}

/** A coordinate with at most one decimal: keeps the SVG small and byte-for-byte deterministic. */
export function fmt(v: number): string {
  const r = Math.round(v * 10) / 10;
  return Object.is(r, -0) ? '0' : String(r);
}

/**
 * Width of `text` in px at `fontSize`, estimated (no font metrics without a browser): 0.6em a
 * character is the advance of common monospace fonts and a safe upper bound for sans-serif.
 */
export function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * 0.6;
}

/** `text` cut to `max` characters with an ellipsis, so long names do not widen a whole layer. */
export function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join('')}…`;
}
