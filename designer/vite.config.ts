// Vite config of the process designer. The server serves designer/dist at `/designer`, so assets
// are addressed under that base and pages use hash routes: no server-side fallback is needed.
import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/designer/',
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // bpmn-js, the properties panel, the linter and form-js are big by nature.
    chunkSizeWarningLimit: 4000,
    sourcemap: true,
  },
  server: {
    // `npx vite --config designer/vite.config.ts` during development, against `npm start`.
    proxy: {
      '/api': { target: process.env.KARVON_URL ?? 'http://127.0.0.1:3000', changeOrigin: false },
    },
  },
});
