// Egress by day as SVG bars, from the billing usage report's `by_day` (every
// UTC day of the month, bytes by class): bytes that left for the internet,
// the tallest bar's value written beside it so the scale has a unit. From a billing that gives no days,
// the month's total is said in words rather than drawn as if it were one day.
const NS = 'http://www.w3.org/2000/svg';

export function drawEgress(container, usage) {
  container.replaceChildren();
  const days = Array.isArray(usage?.by_day) ? usage.by_day : [];
  const total = Number(usage?.totals?.egress_bytes ?? 0);
  if (!usage || total === 0) {
    container.append(paragraph('No egress recorded this month.'));
    return;
  }
  if (days.length === 0) {
    container.append(paragraph(`Egress this month: ${format(total)} (billing gives no daily breakdown yet).`));
    return;
  }
  const max = Math.max(...days.map((d) => Number(d.egress_bytes)), 1);
  const svg = document.createElementNS(NS, 'svg');
  const width = days.length * 22 + 40;
  svg.setAttribute('viewBox', `0 0 ${width} 140`);
  svg.setAttribute('width', String(width));
  days.forEach((d, i) => {
    const h = Math.round((Number(d.egress_bytes) / max) * 110);
    const bar = document.createElementNS(NS, 'rect');
    Object.entries({ x: 20 + i * 22, y: 120 - h, width: 16, height: h, class: 'bar' }).forEach(([k, v]) => bar.setAttribute(k, String(v)));
    const title = document.createElementNS(NS, 'title');
    title.textContent = `${d.day}: ${format(Number(d.egress_bytes))}`;
    bar.append(title);
    svg.append(bar);
    // The day of the month under the first bar and every fifth.
    const n = Number(String(d.day).slice(8, 10));
    if (n === 1 || n % 5 === 0) {
      const label = document.createElementNS(NS, 'text');
      Object.entries({ x: 28 + i * 22, y: 136, 'text-anchor': 'middle', 'font-size': 10 }).forEach(([k, v]) => label.setAttribute(k, String(v)));
      label.textContent = String(n);
      svg.append(label);
    }
  });
  container.append(svg, paragraph(`Bytes to the internet per UTC day; the tallest bar is ${format(max)}. Total: ${format(total)}`));
}

const paragraph = (text) => Object.assign(document.createElement('p'), { textContent: text, className: 'hint' });
const format = (bytes) => (bytes >= 1e9 ? `${(bytes / 1e9).toFixed(2)} GB` : bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${bytes} bytes`);
