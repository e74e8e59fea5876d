// Prints a benchmark's results as a plain table on stdout (not through
// jest's console, which would decorate every line).
export function printTable(title: string, rows: Array<Record<string, string | number>>): void {
  const columns = Object.keys(rows[0] ?? {});
  const cell = (v: string | number) => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 3 }) : v);
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(cell(r[c]!)).length)));
  const line = (values: string[]) => `| ${values.map((v, i) => v.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [
    '',
    `## ${title}`,
    '',
    line(columns),
    `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`,
    ...rows.map((r) => line(columns.map((c) => String(cell(r[c]!))))),
    '',
  ];
  process.stdout.write(out.join('\n') + '\n');
}
