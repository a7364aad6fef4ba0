// Serves a web app built by Vite (the inbox, the designer). The build may appear after the
// server started, so presence is checked per request; until then a 503 says what to run.

import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { type RequestHandler } from 'express';

export function staticApp(dir: string, name: string, buildHint: string): RequestHandler {
  const index = path.join(dir, 'index.html');
  const serve = express.static(dir, {
    index: 'index.html',
    fallthrough: true,
    setHeaders(res, file) {
      // Vite puts a content hash in every asset name under assets/; index.html must revalidate.
      if (file.includes(`${path.sep}assets${path.sep}`)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
      else res.setHeader('Cache-Control', 'no-cache');
    },
  });
  return (req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (!existsSync(index)) {
      res
        .status(503)
        .type('text/plain')
        .send(`The ${name} web app is not built yet (${path.relative(process.cwd(), dir) || dir} is missing). Run: ${buildHint}\n`);
      return;
    }
    serve(req, res, next);
  };
}
