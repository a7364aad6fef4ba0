// Vite config of the employee inbox. The server serves server/inbox/dist at `/`, so the build
// uses relative asset URLs and hash routes: no server-side fallback route is needed.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // bpmn-js and form-js are loaded on demand; their chunks are big by nature.
    chunkSizeWarningLimit: 1500,
    sourcemap: true,
  },
  server: {
    // `npx vite --config server/inbox/vite.config.ts` during development, against `npm start`.
    proxy: {
      '/api': { target: process.env.KARVON_URL ?? 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
});
