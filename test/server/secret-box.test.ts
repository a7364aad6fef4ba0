// AES-256-GCM sealing of connection secrets and where its key comes from.

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { KEY_FILE, loadSecretKey, parseSecretKey, SecretBox, SecretKeyError } from '../../server/connections/secret-box.ts';
import { readConfig, ConfigError } from '../../server/config.ts';

describe('server: secret box (AES-256-GCM)', () => {
  const box = new SecretBox(Buffer.alloc(32, 1));

  it('opens what it sealed, with a fresh IV every time', () => {
    const a = box.seal('s3cret-value', 'connection:portal');
    const b = box.seal('s3cret-value', 'connection:portal');
    expect(a).to.not.equal(b);
    expect(a).to.not.include('s3cret');
    expect(box.open(a, 'connection:portal')).to.equal('s3cret-value');
  });

  it('refuses another connection\'s value, another key and any tampering', () => {
    const sealed = box.seal('s3cret-value', 'connection:portal');
    expect(() => box.open(sealed, 'connection:other')).to.throw(SecretKeyError, /KARVON_SECRET_KEY/);
    expect(() => new SecretBox(Buffer.alloc(32, 2)).open(sealed, 'connection:portal')).to.throw(SecretKeyError);
    const parts = sealed.split('.');
    const flipped = Buffer.from(parts[3]!, 'base64url');
    flipped[0] = flipped[0]! ^ 1;
    expect(() => box.open([...parts.slice(0, 3), flipped.toString('base64url')].join('.'), 'connection:portal')).to.throw(SecretKeyError);
    expect(() => box.open('v0.x.y.z', 'connection:portal')).to.throw(SecretKeyError, /format/);
  });

  it('reads KARVON_SECRET_KEY as 64 hex digits or base64 of 32 bytes, and rejects anything else at start-up', () => {
    expect(parseSecretKey('ab'.repeat(32))).to.deep.equal(Buffer.alloc(32, 0xab));
    expect(parseSecretKey(Buffer.alloc(32, 5).toString('base64'))).to.deep.equal(Buffer.alloc(32, 5));
    expect(parseSecretKey('')).to.equal(null);
    expect(() => parseSecretKey('too-short')).to.throw(SecretKeyError, /32 bytes/);
    expect(() => readConfig({ KARVON_SECRET_KEY: 'too-short' })).to.throw(ConfigError, /KARVON_SECRET_KEY/);
  });

  it('makes a 0600 key file in the data folder once, and reads it back after', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'karvon-key-'));
    try {
      const first = await loadSecretKey({ envKey: null, dataDir: dir });
      const again = await loadSecretKey({ envKey: null, dataDir: dir });
      expect(first).to.have.length(32);
      expect(again).to.deep.equal(first);
      expect((await stat(path.join(dir, KEY_FILE))).mode & 0o777).to.equal(0o600);
      // The environment wins over the file.
      expect(await loadSecretKey({ envKey: 'cd'.repeat(32), dataDir: dir })).to.deep.equal(Buffer.alloc(32, 0xcd));
      await writeFile(path.join(dir, KEY_FILE), 'not a key\n');
      const error = await loadSecretKey({ envKey: null, dataDir: dir }).catch((e: unknown) => e);
      expect(error).to.be.instanceOf(SecretKeyError);
      expect(await readFile(path.join(dir, KEY_FILE), 'utf8')).to.equal('not a key\n');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
