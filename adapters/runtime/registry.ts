// Adapter loading: built-ins always, more from npm packages or a directory whose package.json
// lists its adapters under a `karvon` field. Every descriptor is validated as it loads.

import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AdapterDescriptor } from '../sdk/descriptor.ts';
import { validateAdapterDescriptor } from '../sdk/validate.ts';

export class AdapterRegistry {
  private readonly adapters = new Map<string, AdapterDescriptor>();

  /** Validates and registers; a second adapter with the same name is an error, not an override. */
  register(candidate: unknown): AdapterDescriptor {
    const descriptor = validateAdapterDescriptor(candidate);
    if (this.adapters.has(descriptor.name)) throw new Error(`Adapter "${descriptor.name}" is already loaded`);
    this.adapters.set(descriptor.name, descriptor);
    return descriptor;
  }

  /**
   * Forgets an adapter. Only for descriptors made per connection (the generic HTTP adapter's),
   * whose connection was changed or removed; loaded packages stay for the life of the process.
   */
  unregister(name: string): boolean {
    return this.adapters.delete(name);
  }

  get(name: string): AdapterDescriptor | undefined {
    return this.adapters.get(name);
  }

  all(): ReadonlyMap<string, AdapterDescriptor> {
    return this.adapters;
  }
}

/** A plug-in that fails to load; start-up stops with this message. */
export class AdapterLoadError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'AdapterLoadError';
  }
}

interface KarvonPackageField {
  /** Module paths relative to the package root, each exporting a descriptor. */
  adapters?: string[];
}

/** Loads the adapters an npm package declares in `package.json` → `karvon.adapters`. */
export async function loadAdapterPackage(registry: AdapterRegistry, packageName: string, resolveFrom = path.join(process.cwd(), 'package.json')): Promise<AdapterDescriptor[]> {
  let manifest: string;
  try {
    manifest = createRequire(resolveFrom).resolve(`${packageName}/package.json`);
  } catch (error) {
    throw new AdapterLoadError(`Adapter package "${packageName}" cannot be found from ${path.dirname(resolveFrom)}: ${(error as Error).message.split('\n')[0]}`, { cause: error });
  }
  return loadFromManifest(registry, manifest, packageName);
}

/** Loads every package folder under `dir` whose package.json has a `karvon` field. */
export async function loadAdapterDirectory(registry: AdapterRegistry, dir: string): Promise<AdapterDescriptor[]> {
  const loaded: AdapterDescriptor[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    throw new AdapterLoadError(`Adapter directory ${dir} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const manifest = path.join(dir, entry.name, 'package.json');
    let text: string;
    try {
      text = await readFile(manifest, 'utf8');
    } catch {
      continue;
    }
    if ((JSON.parse(text) as { karvon?: unknown }).karvon === undefined) continue;
    loaded.push(...(await loadFromManifest(registry, manifest, entry.name)));
  }
  return loaded;
}

async function loadFromManifest(registry: AdapterRegistry, manifestPath: string, label: string): Promise<AdapterDescriptor[]> {
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as { karvon?: KarvonPackageField };
  const modules = manifest.karvon?.adapters;
  if (!Array.isArray(modules) || modules.length === 0) {
    throw new Error(`Package "${label}": package.json has no "karvon.adapters" list of adapter modules`);
  }
  const loaded: AdapterDescriptor[] = [];
  for (const relative of modules) {
    const file = path.resolve(path.dirname(manifestPath), relative);
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown; adapter?: unknown };
    const candidate = mod.default ?? mod.adapter;
    if (candidate === undefined) throw new Error(`Package "${label}": ${relative} exports neither a default nor an "adapter" descriptor`);
    try {
      loaded.push(registry.register(candidate));
    } catch (error) {
      // The descriptor error names the adapter and the path inside it; the operator also needs the file.
      const message = error instanceof Error ? error.message : String(error);
      throw new AdapterLoadError(`Package "${label}" (${file}): ${message}`, { cause: error });
    }
  }
  return loaded;
}
