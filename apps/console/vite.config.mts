import react from '@vitejs/plugin-react';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');

export default defineConfig({
  root: here,
  base: '/',
  plugins: [react()],
  resolve: {
    // The console shares the services' vocabularies (outcomes, evidence kinds, channels…) from the contracts library.
    alias: { '@complaints/contracts': path.join(root, 'libs/contracts/src/index.ts') },
  },
  build: {
    outDir: path.join(root, 'dist/apps/console'),
    emptyOutDir: true,
    sourcemap: true,
    // Ant Design's component library is one large chunk that every page needs; pages and charts are split off.
    chunkSizeWarningLimit: 1600,
  },
  server: {
    port: 5173,
    // `vite` in development reaches the console server's API and login, which reach the services.
    proxy: { '/api': 'http://127.0.0.1:3100', '/dev': 'http://127.0.0.1:3100', '/config.json': 'http://127.0.0.1:3100' },
  },
});
