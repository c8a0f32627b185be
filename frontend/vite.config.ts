/// <reference types="vitest/config" />
import { existsSync, readdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import AutoImport from 'unplugin-auto-import/vite'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

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

// Element Plus on demand, as its documentation recommends: each <el-*> tag and v-loading (Components)
// and each ElMessage / ElMessageBox call (AutoImport) imports that component and its stylesheet
// only, so a screen downloads what it shows. The declarations they write under src/ are committed
// (vue-tsc runs before the build); they change when a screen starts using another component.
// Unit tests run the components in Node, which cannot import a stylesheet and does not need one.
const elementPlus = ElementPlusResolver({ importStyle: process.env.VITEST ? false : 'css' })

function elementPlusStyles(): string[] {
  const components = fileURLToPath(new URL('./node_modules/element-plus/es/components', import.meta.url))
  return readdirSync(components)
    .filter((name) => existsSync(`${components}/${name}/style/css.mjs`))
    .map((name) => `element-plus/es/components/${name}/style/css`)
}

// A chunk shared by several screens is named after its first module, which for Element Plus's is
// always `style/css.mjs`; name those after the component they hold instead (`el-input-….js`).
function chunkFileName(chunk: { name: string; moduleIds: string[] }): string {
  if (chunk.name !== 'css') return 'assets/[name]-[hash].js'
  if (chunk.moduleIds.some((id) => id.includes('/node_modules/@vue/runtime-core/'))) return 'assets/vue-[hash].js'
  const components = chunk.moduleIds
    .map((id) => /element-plus\/es\/components\/([a-z-]+)\//.exec(id)?.[1])
    .filter((name) => name && name !== 'base')
  return `assets/el-${components[0] ?? 'shared'}-[hash].js`
}

export default defineConfig({
  plugins: [
    vue(),
    AutoImport({ resolvers: [elementPlus], dts: 'src/auto-imports.d.ts' }),
    Components({ resolvers: [elementPlus], dts: 'src/components.d.ts', dirs: [] }),
  ],
  // The dev server's start-up scan cannot see the imports the two plugins add, so it would find them
  // screen by screen and reload the page each time; every component's stylesheet module is bundled
  // up front instead (a glob in `include` only works at the end of a path).
  optimizeDeps: { include: ['element-plus/es', ...elementPlusStyles()] },
  server: { port: 5173, strictPort: true, proxy },
  preview: { port: 4173, proxy },
  build: {
    // bench/frontend_bundle.py follows it from the entry to the dashboard's chunks.
    manifest: true,
    rolldownOptions: { output: { chunkFileNames: chunkFileName } },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
  },
})
