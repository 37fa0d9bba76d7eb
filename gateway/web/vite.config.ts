import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = dirname(fileURLToPath(import.meta.url));

/**
 * The playground and the catalog web app: two pages, one hashed `/assets/` folder, everything
 * bundled (GraphiQL, Monaco and its workers, ECharts) so that a browser on a closed government
 * network never needs another host. `GOVSHARE_WEB_OUT` redirects the output (build.ts builds
 * into a temporary folder and swaps it in).
 */
export default defineConfig({
  root,
  base: '/',
  publicDir: false,
  plugins: [react()],
  resolve: { dedupe: ['react', 'react-dom', 'graphql'] },
  worker: { format: 'es' },
  build: {
    outDir: process.env.GOVSHARE_WEB_OUT ?? resolve(root, 'dist'),
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    chunkSizeWarningLimit: 8000,
    reportCompressedSize: false,
    rollupOptions: {
      // graphiql's "use no memo" directives (React compiler hints) are harmless to drop.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
      input: {
        playground: resolve(root, 'playground/index.html'),
        catalog: resolve(root, 'catalog/index.html'),
      },
    },
  },
});
