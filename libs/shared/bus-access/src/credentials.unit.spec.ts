import { afterEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CredentialsError, publicKeysOf, readCredentials, writeCredentials, writeHostCredentials } from './credentials.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pn-credentials-spec-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('credentials files', () => {
  it("give each host's agent a user of its own, named in its file", () => {
    const dir = tempDir();
    const { keys, files } = writeCredentials(dir, ['gateway', 'host-agent'], 'h1');
    const other = writeHostCredentials(dir, 'h2');
    expect(readCredentials(files['host-agent'])).toMatchObject({ role: 'host-agent', host: 'h1', exposed: false });
    expect(readCredentials(other)).toMatchObject({ role: 'host-agent', host: 'h2' });
    expect(readCredentials(files.gateway).host).toBeUndefined();
    const known = publicKeysOf(dir);
    expect(known.roles).toEqual(keys.roles);
    expect(Object.keys(known.hosts).sort()).toEqual(['h1', 'h2']);
    expect(known.hosts.h1).toBe(keys.hosts.h1);
    expect(new Set(Object.values(known.hosts)).size).toBe(2);
  });

  it("refuse a host agent's file without a host, and a host id that could widen a subject", () => {
    const dir = tempDir();
    const { files } = writeCredentials(dir, ['host-agent'], 'h1');
    const { seed } = readCredentials(files['host-agent']);
    writeFileSync(join(dir, 'nohost.json'), JSON.stringify({ role: 'host-agent', seed }), { mode: 0o600 });
    writeFileSync(join(dir, 'wide.json'), JSON.stringify({ role: 'host-agent', host: 'h1.>', seed }), { mode: 0o600 });
    expect(() => readCredentials(join(dir, 'nohost.json'))).toThrow(CredentialsError);
    expect(() => readCredentials(join(dir, 'wide.json'))).toThrow(CredentialsError);
    for (const host of ['a.b', '*', '>', '']) expect(() => writeHostCredentials(dir, host)).toThrow(CredentialsError);
  });
});
