// Builds the Preact web panels (client/) into dist/client, served by server/http/panels.ts under
// /panel/, the path manifest/app.json gives SuperOffice. One page serves every panel; the path
// picks which one.
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('./client', import.meta.url)),
  base: '/panel/',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('./dist/client', import.meta.url)),
    emptyOutDir: true,
  },
});
