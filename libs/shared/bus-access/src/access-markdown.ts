// The access table as the README shows it: one row per role, at the
// platform's default names. The README's copy is checked against this on
// every test run, so the page and the server's permissions cannot drift.
import { accessTable, ANY_HOST, inboxPrefix, ROLES } from './access-table.js';
import type { BusNames } from './bus-names.js';

const list = (items: readonly string[]) => (items.length ? items.map((i) => `\`${i}\``).join(', ') : '—');

export function accessTableMarkdown(names: BusNames): string {
  const table = accessTable(names);
  const rows = ROLES.map((role) => {
    const g = table[role];
    const streams = Object.entries(g.streams).map(([stream, access]) => `${stream} (${access})`);
    const keys = Object.entries(g.keys ?? {}).map(([bucket, filters]) => `KV_${bucket}: keys ${filters.join(', ')} (follow, get)`);
    return `| ${role} | ${list(g.serve)} | ${list(g.call)} | ${list(g.publish)} | ${list(g.subscribe)} | ${list([...streams, ...keys, ...g.purge.map((s) => `${s} (purge)`)])} |`;
  });
  return [
    '| role | answers | calls | publishes | subscribes | JetStream streams and buckets |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n') + `\n\nEach host's agent is a user of its own, its host's id in place of \`${ANY_HOST}\`. Every role also reads its own reply inbox (\`${inboxPrefix('gateway').replace('gateway', '<role>')}.>\`; a host agent \`${inboxPrefix('host-agent', ANY_HOST)}.>\`) and nothing else of the kind; a role that answers requests may answer each once on its reply subject. \`own\`: create and update the stream, read it with consumers and direct gets; \`read\`: the same without create or update; *keys … (follow, get)*: consumers filtered to those keys and direct gets of them, nothing else of the bucket. Publishing to a stream's subjects is listed under *publishes*.\n`;
}
