/**
 * @module bench/table: fixed-width text tables for the terminal and
 * Markdown tables for docs. Pure.
 */

/** null appears where a NaN went through JSON */
export type Cell = string | number | null | undefined;

/** Formats a number for a table: NaN/null/undefined as "–", ∞ as "∞", else `digits` decimals. */
export function fmt(x: Cell, digits = 1): string {
  if (x === undefined || x === null) return '–';
  if (typeof x === 'string') return x;
  if (Number.isNaN(x)) return '–';
  if (!Number.isFinite(x)) return '∞';
  return x.toFixed(digits);
}

/** A ratio as "12.3×" (or "–"). */
export const times = (x: number | null | undefined, digits = 1): string => (x === undefined || x === null || !Number.isFinite(x) ? fmt(x) : `${x.toFixed(digits)}×`);

/** Columns padded to their widest cell; numbers right-aligned, text left-aligned. */
export function renderText(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const cells = [header.map(String), ...rows.map((r) => r.map((c) => fmt(c)))];
  const widths = header.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? '').length)));
  const numeric = header.map((_, i) => rows.every((r) => typeof r[i] === 'number' || r[i] === undefined || r[i] === null || /^[\d.–∞×%+-]+( ?[a-zA-Z%/×]*)?$/.test(String(r[i]))));
  const line = (r: readonly string[]) => r.map((c, i) => (numeric[i] && i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(cells[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

/** A GitHub-flavoured Markdown table; `|` in cells is escaped. */
export function renderMarkdown(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${header.map(esc).join(' | ')} |`,
    `|${header.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => esc(fmt(c))).join(' | ')} |`),
  ].join('\n');
}
