// The README's bus access table is the one the NATS permissions are
// generated from: a grant changed in libs/shared/bus-access without the page
// (or the other way round) fails here.
import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { accessTableMarkdown } from '@pn/bus-access';
import { busNames, loadConfig } from '@pn/service-kit';

describe('the README', () => {
  it('shows the bus access table the server is configured from', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');
    const shown = /<!-- bus-access-table:begin -->\n([\s\S]*?)<!-- bus-access-table:end -->/.exec(readme)?.[1];
    expect(shown).toBe(accessTableMarkdown(busNames(loadConfig({}))));
  });
});
