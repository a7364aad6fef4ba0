// Builds the inbox into server/inbox/dist (`--if-stale`: only when a source is newer).

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFromCommandLine, buildWebApp, distOf, isStale, type WebApp } from '../web-build.ts';

const inbox: WebApp = { name: 'inbox', root: path.dirname(fileURLToPath(import.meta.url)), buildScript: 'build:inbox' };

export const inboxDist = distOf(inbox);
export const inboxIsStale = (): boolean => isStale(inbox);
export const buildInbox = (options: { ifStale?: boolean; quiet?: boolean } = {}): Promise<boolean> => buildWebApp(inbox, options);

buildFromCommandLine(inbox, import.meta.url);
