// Builds the designer into designer/dist. `--if-stale` skips the build when dist is newer than
// every source file, so `npm start` and the browser tests do not rebuild on every run.
//
// The build goes to a temporary folder that then replaces dist in one rename: a server serving
// dist, or a second build started in parallel, never sees a half-written app.

import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
export const designerDist = path.join(root, 'dist');
const sources = [path.join(root, 'src'), path.join(root, 'index.html'), path.join(root, 'vite.config.ts'), path.join(root, '..', 'package-lock.json')];

function newestMtime(p: string): number {
  if (!existsSync(p)) return 0;
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(p)) newest = Math.max(newest, newestMtime(path.join(p, entry)));
  return newest;
}

export function designerIsStale(): boolean {
  const index = path.join(designerDist, 'index.html');
  if (!existsSync(index)) return true;
  const built = statSync(index).mtimeMs;
  return sources.some((s) => newestMtime(s) > built);
}

export async function buildDesigner(options: { ifStale?: boolean; quiet?: boolean } = {}): Promise<boolean> {
  if (options.ifStale && !designerIsStale()) return false;
  let vite: typeof import('vite');
  try {
    vite = await import('vite');
  } catch {
    // A production install without devDependencies: serve whatever was built before.
    if (existsSync(path.join(designerDist, 'index.html'))) {
      console.warn('vite is not installed; serving the existing designer build.');
      return false;
    }
    throw new Error('The designer is not built and vite is not installed. Run `npm install` (with dev dependencies), then `npm run build:designer`.');
  }
  const tmp = path.join(root, `.dist-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    await vite.build({
      configFile: path.join(root, 'vite.config.ts'),
      logLevel: options.quiet ? 'warn' : 'info',
      build: { outDir: tmp, emptyOutDir: true },
    });
    const old = path.join(root, `.dist-old-${process.pid}-${Date.now()}`);
    if (existsSync(designerDist)) renameSync(designerDist, old);
    renameSync(tmp, designerDist);
    rmSync(old, { recursive: true, force: true });
    return true;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  buildDesigner({ ifStale: process.argv.includes('--if-stale') })
    .then((built) => {
      if (!built) console.log('Designer build is up to date.');
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
