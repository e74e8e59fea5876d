// The network as an SVG picture: a dashed box for the private network, one
// node per resource (name, kind, private IP, hostname, status), and a dashed
// line up to "internet" for each resource with a public address. Text goes
// in with textContent only: names come from users.
const NS = 'http://www.w3.org/2000/svg';
const NODE_W = 190;
const NODE_H = 74;
const GAP = 24;
const TOP = 70;

function el(name, attributes = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Redraws `svg` from `network` ({cidr, resources: Map}); `onSelect(resource)` on a click. */
export function drawNetwork(svg, network, onSelect) {
  svg.replaceChildren();
  const resources = [...network.resources.values()].filter((r) => r.status !== 'deleted');
  const width = Math.max(svg.clientWidth || 640, 640);
  const perRow = Math.max(1, Math.floor((width - GAP) / (NODE_W + GAP)));
  const rows = Math.max(1, Math.ceil(resources.length / perRow));
  const height = TOP + 30 + rows * (NODE_H + GAP) + GAP;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('height', String(height));
  svg.append(el('text', { x: width / 2, y: 20, 'text-anchor': 'middle', class: 'internet' }, 'internet'));
  svg.append(el('rect', { x: 8, y: TOP - 20, width: width - 16, height: height - TOP + 12, rx: 8, class: 'network-box' }));
  svg.append(el('text', { x: 16, y: TOP - 4, class: 'hint' }, `private network ${network.cidr ?? ''}`));
  if (resources.length === 0) svg.append(el('text', { x: 24, y: TOP + 30 }, 'No resources yet: create one and it appears here.'));
  resources.forEach((r, i) => {
    const x = GAP + (i % perRow) * (NODE_W + GAP);
    const y = TOP + 14 + Math.floor(i / perRow) * (NODE_H + GAP);
    const exposed = r.public_ip || r.public_host;
    if (exposed) svg.append(el('line', { x1: x + NODE_W / 2, y1: y, x2: width / 2, y2: 26, class: 'exposure' }));
    const node = el('g', { class: `node status-${r.status}`, 'data-id': r.id, 'data-name': r.name, transform: `translate(${x},${y})` });
    node.append(el('rect', { width: NODE_W, height: NODE_H, rx: 6 }));
    node.append(el('text', { x: 8, y: 16, class: 'name' }, `${r.name} (${r.kind})`));
    node.append(el('text', { x: 8, y: 32 }, r.private_ip ?? 'no address yet'));
    node.append(el('text', { x: 8, y: 47 }, r.hostname ?? ''));
    node.append(el('text', { x: 8, y: 63 }, exposed ? `${r.status} · public ${r.public_ip ?? r.public_host}` : r.status));
    node.append(el('title', {}, `${r.id}\n${r.status}`));
    node.addEventListener('click', () => onSelect(r));
    svg.append(node);
  });
}
