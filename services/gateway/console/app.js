// The console: sign in with an API key (kept in this tab's sessionStorage),
// pick a project, see its network drawn and kept current from the live
// events endpoint, click a resource for its details and history.
import { api } from './api.js';
import { drawEgress } from './chart.js';
import { drawNetwork } from './drawing.js';

const KINDS = { vm: 'vms', database: 'databases', cache: 'caches', bucket: 'buckets' };
const $ = (id) => document.getElementById(id);
let client;
let stopFollowing = () => {};
let network = { cidr: '', resources: new Map() };

async function signIn(key) {
  client = api(key);
  try {
    const projects = await client.get('/v1/hosting/projects?limit=100');
    sessionStorage.setItem('pn-api-key', key);
    $('sign-in').hidden = true;
    $('console').hidden = false;
    $('sign-out').hidden = false;
    showProjects(projects.items.length ? projects.items : [{ name: 'default' }]);
  } catch (error) {
    sessionStorage.removeItem('pn-api-key');
    $('sign-in-error').textContent = error.status === 401 ? 'That key is not valid.' : `Could not sign in: ${error.message}`;
  }
}

function showProjects(projects) {
  const list = $('projects');
  list.replaceChildren(
    ...projects.map((p) => {
      const item = Object.assign(document.createElement('li'), { textContent: p.name });
      item.addEventListener('click', () => openProject(p.name));
      return item;
    }),
  );
  openProject(projects[0].name);
}

async function openProject(name) {
  for (const li of $('projects').children) li.classList.toggle('selected', li.textContent === name);
  stopFollowing();
  network = { cidr: '', resources: new Map() };
  // Follow first, so nothing created while the lists load is missed.
  stopFollowing = client.follow(name, (change) => applyChange(name, change), (live) => ($('live').hidden = !live));
  const topology = await client.get(`/v1/hosting/network/topology?project=${encodeURIComponent(name)}&limit=100`);
  network.cidr = topology.private_cidr;
  $('network-title').textContent = `Project ${name}: ${topology.private_cidr}`;
  void loadEgress(name);
  for (const [kind, path] of Object.entries(KINDS)) {
    const page = await client.get(`/v1/hosting/${path}?project=${encodeURIComponent(name)}&limit=100`);
    for (const r of page.items) upsert({ ...r, kind, hostname: r.private_host ?? (kind === 'vm' ? `${r.name}.vm.internal` : undefined) });
  }
  redraw();
}

function upsert(resource) {
  network.resources.set(resource.id, { ...network.resources.get(resource.id), ...resource });
}

/** One live change: the drawing follows at once, without another request. */
function applyChange(project, change) {
  if (change.type === 'reset') return openProject(project);
  const patch = { id: change.resource_id, name: change.name, kind: change.kind };
  if (change.status) patch.status = change.status;
  if ('private_ip' in change) patch.private_ip = change.private_ip;
  if (change.hostnames) patch.hostname = change.hostnames[0];
  if ('public_ip' in change) patch.public_ip = change.public_ip;
  if (change.type === 'resource.deleted') network.resources.delete(change.resource_id);
  else upsert(patch);
  redraw();
}

function redraw() {
  drawNetwork($('network'), network, showDetails);
}

async function showDetails(resource) {
  const path = `/v1/hosting/${KINDS[resource.kind]}/${resource.id}`;
  const [details, history] = await Promise.all([client.get(path), client.get(`${path}/events?limit=100`)]);
  const pre = Object.assign(document.createElement('pre'), { textContent: JSON.stringify(details, null, 2) });
  const list = document.createElement('ol');
  list.append(...history.events.map((e) => Object.assign(document.createElement('li'), { textContent: `${e.at.slice(0, 19)} ${e.type}` })));
  const heading = (text) => Object.assign(document.createElement('h2'), { textContent: text });
  $('details').replaceChildren(heading(resource.name), pre, heading('History'), list);
}

/** The selected project's egress this month: what its heading says, nothing of the other projects. */
async function loadEgress(project) {
  const period = new Date().toISOString().slice(0, 7);
  $('egress-title').textContent = `Egress of project ${project}, ${monthName(period)} (UTC days)`;
  let usage;
  try {
    usage = await client.get(`/v1/hosting/billing/usage?period=${period}&project=${encodeURIComponent(project)}`);
  } catch {
    usage = undefined;
  }
  // Another project selected while this one loaded: its chart is not this one's to draw.
  if ($('egress-title').textContent.startsWith(`Egress of project ${project},`)) drawEgress($('egress'), usage);
}

const monthName = (period) => new Date(`${period}-01T00:00:00Z`).toLocaleString('en', { month: 'long', year: 'numeric', timeZone: 'UTC' });

$('sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  signIn($('api-key').value.trim());
});
$('sign-out').addEventListener('click', () => {
  sessionStorage.removeItem('pn-api-key');
  location.reload();
});
const saved = sessionStorage.getItem('pn-api-key');
if (saved) signIn(saved);
