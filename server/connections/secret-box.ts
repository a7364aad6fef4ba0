// Encryption at rest for connection secrets: AES-256-GCM (node:crypto), a fresh 96-bit IV per
// value, the connection name as additional authenticated data (a sealed value copied onto another
// connection does not open). The key never goes into the store: it comes from KARVON_SECRET_KEY
// or from `secret.key` in the data folder, created on first need with mode 0600.

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

const VERSION = 'v1';
const KEY_BYTES = 32;
export const KEY_FILE = 'secret.key';

export class SecretKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretKeyError';
  }
}

export class SecretBox {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new SecretKeyError(`The secret key must be ${KEY_BYTES} bytes, not ${key.length}.`);
  }

  /** `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
  seal(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [VERSION, iv, cipher.getAuthTag(), data].map((p) => (typeof p === 'string' ? p : p.toString('base64url'))).join('.');
  }

  open(sealed: string, context: string): string {
    const [version, iv, tag, data] = sealed.split('.');
    if (version !== VERSION || iv === undefined || tag === undefined || data === undefined) {
      throw new SecretKeyError('A stored secret is not in a format this Karvon reads.');
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      // GCM says only "unable to authenticate"; the likely cause is what an operator needs.
      throw new SecretKeyError(
        `A stored secret of "${context}" does not open with this key: KARVON_SECRET_KEY (or ${KEY_FILE}) differs from the one it was saved with.`,
      );
    }
  }
}

/** KARVON_SECRET_KEY: 32 bytes as 64 hex digits or base64; null when unset. */
export function parseSecretKey(value: string | null | undefined): Buffer | null {
  const text = value?.trim();
  if (!text) return null;
  const key = /^[0-9a-fA-F]{64}$/.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new SecretKeyError(`KARVON_SECRET_KEY must be ${KEY_BYTES} bytes: 64 hex digits or base64 (e.g. \`openssl rand -base64 32\`).`);
  }
  return key;
}

/**
 * The key from the environment, else from `<dataDir>/secret.key` (created with mode 0600 when
 * missing). Several nodes sharing one MongoDB must share KARVON_SECRET_KEY: each would otherwise
 * make its own file and not open the others' secrets.
 */
export async function loadSecretKey(options: { envKey: string | null; dataDir: string }): Promise<Buffer> {
  const fromEnv = parseSecretKey(options.envKey);
  if (fromEnv) return fromEnv;
  const file = path.join(path.resolve(options.dataDir), KEY_FILE);
  try {
    return decodeKeyFile(await readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(path.dirname(file), { recursive: true });
  try {
    // wx: of two processes creating it at once, one writes and the other reads that key.
    await writeFile(file, `${randomBytes(KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return decodeKeyFile(await readFile(file, 'utf8'), file);
}

function decodeKeyFile(text: string, file: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES) throw new SecretKeyError(`${file} does not hold a ${KEY_BYTES}-byte base64 key.`);
  return key;
}

/** Loads the key once, on first use: a server that never stores a secret never makes a key file. */
export function lazySecretBox(load: () => Promise<Buffer>): () => Promise<SecretBox> {
  let box: Promise<SecretBox> | null = null;
  return () => {
    box ??= load().then((key) => new SecretBox(key));
    // A failed load (unreadable file) is retried on the next call rather than remembered.
    box.catch(() => (box = null));
    return box;
  };
}
