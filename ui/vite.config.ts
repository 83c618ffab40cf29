/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// Tauri serves the built files from ui/dist under a strict CSP:
//   default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:
// so the production build must emit CSS as files (no injected <style>), inline no assets into
// <script>/<style> tags and never rely on eval.
export default defineConfig({
  // svelteTesting only acts under Vitest (browser build of Svelte, DOM cleanup after each test).
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  server: { port: 1420, strictPort: true },
  envPrefix: ['VITE_', 'TAURI_'],
  build: {
    target: 'safari16',
    outDir: 'dist',
    emptyOutDir: true,
    cssCodeSplit: false,
    // Never turn small assets into data: URLs inside CSS/JS; they stay files served from 'self'.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['src/tests/setup.ts'],
    // Every test starts with a fresh invoke mock (no calls, no implementation).
    mockReset: true,
  },
});
