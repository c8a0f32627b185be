/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The browser calls /api/<service>/api/v1/...; the dev server (and `vite preview`) forwards it to the
// service with the prefix removed. Targets come from the environment so tests can use other ports.
const targets = {
  indicator: process.env.INDICATOR_API_URL ?? 'http://127.0.0.1:8001',
  matching: process.env.MATCHING_API_URL ?? 'http://127.0.0.1:8002',
  funding: process.env.FUNDING_API_URL ?? 'http://127.0.0.1:8003',
}

const proxy = Object.fromEntries(
  Object.entries(targets).map(([name, target]) => [
    `/api/${name}`,
    {
      target,
      changeOrigin: true,
      rewrite: (path: string) => path.replace(new RegExp(`^/api/${name}`), ''),
    },
  ]),
)

export default defineConfig({
  plugins: [vue()],
  server: { port: 5173, strictPort: true, proxy },
  preview: { port: 4173, proxy },
  build: {
    chunkSizeWarningLimit: 2000,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
  },
})
