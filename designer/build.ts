// Builds the designer into designer/dist (`--if-stale`: only when a source is newer).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFromCommandLine, buildWebApp, distOf, isStale, type WebApp } from '../server/web-build.ts';

const designer: WebApp = { name: 'designer', root: path.dirname(fileURLToPath(import.meta.url)), buildScript: 'build:designer' };

export const designerDist = distOf(designer);
export const designerIsStale = (): boolean => isStale(designer);
export const buildDesigner = (options: { ifStale?: boolean; quiet?: boolean } = {}): Promise<boolean> => buildWebApp(designer, options);

buildFromCommandLine(designer, import.meta.url);
