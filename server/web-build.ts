// Builds one of Karvon's web apps (the inbox, the designer) with Vite. `ifStale` skips the build
// when dist is newer than every source file, so `npm start` and the browser tests do not rebuild
// on every run.
//
// The build goes to a temporary folder that then replaces dist in one rename: a server serving
// dist, or a second build started in parallel, never sees a half-written app.

import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';

export interface WebApp {
  /** Shown in messages, e.g. `inbox`. */
  name: string;
  /** The app's folder: index.html, src/, vite.config.ts; the build lands in dist/ there. */
  root: string;
  /** The npm script that builds it, named in the error when Vite is missing. */
  buildScript: string;
}

const lockFile = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'package-lock.json');

export function distOf(app: WebApp): string {
  return path.join(app.root, 'dist');
}

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

export function isStale(app: WebApp): boolean {
  const index = path.join(distOf(app), 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  const sources = [path.join(app.root, 'src'), path.join(app.root, 'index.html'), path.join(app.root, 'vite.config.ts'), lockFile];
  return sources.some((s) => newestMtime(s) > built);
}

export async function buildWebApp(app: WebApp, options: { ifStale?: boolean; quiet?: boolean } = {}): Promise<boolean> {
  const dist = distOf(app);
  if (options.ifStale && !isStale(app)) return false;
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    // A production install without devDependencies: serve whatever was built before.
    if (existsSync(path.join(dist, 'index.html'))) {
      console.warn(`vite is not installed; serving the existing ${app.name} build.`);
      return false;
    }
    throw new Error(`The ${app.name} is not built and vite is not installed. Run \`npm install\` (with dev dependencies), then \`npm run ${app.buildScript}\`.`);
  }
  const tmp = path.join(app.root, `.dist-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    await vite.build({
      configFile: path.join(app.root, 'vite.config.ts'),
      logLevel: options.quiet ? 'warn' : 'info',
      build: { outDir: tmp, emptyOutDir: true },
    });
    const old = path.join(app.root, `.dist-old-${process.pid}-${Date.now()}`);
    if (existsSync(dist)) renameSync(dist, old);
    renameSync(tmp, dist);
    rmSync(old, { recursive: true, force: true });
    return true;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Runs the build when the file that calls this is the script node started. */
export function buildFromCommandLine(app: WebApp, scriptUrl: string): void {
  if (!process.argv[1] || path.resolve(process.argv[1]) !== new URL(scriptUrl).pathname) return;
  buildWebApp(app, { ifStale: process.argv.includes('--if-stale') })
    .then((built) => {
      if (!built) console.log(`The ${app.name} build is up to date.`);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
