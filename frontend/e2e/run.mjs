// Runs the browser tests: checks the three APIs, starts the Vite dev server (its proxy pointed at
// the APIs), runs e2e/*.test.mjs with node's test runner, stops the server.
//   INDICATOR_API_URL / MATCHING_API_URL / FUNDING_API_URL   the services (default: `make run` ports)
//   E2E_PORT      port for the dev server (default 5199)
//   E2E_BASE_URL  use an already running front end instead of starting one
//   CHROMIUM      browser binary (default /usr/bin/chromium)
//   E2E_ONLY      run only the test files whose names contain one of these comma-separated words
import { spawn } from 'node:child_process'
import { readdirSync, mkdirSync, rmSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..')
const apis = {
  INDICATOR_API_URL: process.env.INDICATOR_API_URL ?? 'http://127.0.0.1:8001',
  MATCHING_API_URL: process.env.MATCHING_API_URL ?? 'http://127.0.0.1:8002',
  FUNDING_API_URL: process.env.FUNDING_API_URL ?? 'http://127.0.0.1:8003',
}
const screenshots = resolve(root, 'test-artifacts/screenshots')
rmSync(screenshots, { recursive: true, force: true })
mkdirSync(screenshots, { recursive: true })

for (const [name, url] of Object.entries(apis)) {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(5000) })
    if (!response.ok) throw new Error(`HTTP ${response.status}`)
  } catch (error) {
    console.error(`${name}=${url} is not answering (${error.message}); start the platform with \`make run\` first.`)
    process.exit(2)
  }
}

const port = Number(process.env.E2E_PORT ?? 5199)
let server
let baseUrl = process.env.E2E_BASE_URL
if (!baseUrl) {
  baseUrl = `http://127.0.0.1:${port}`
  server = spawn(resolve(root, 'node_modules/.bin/vite'), ['--host', '127.0.0.1', '--port', String(port), '--strictPort'], {
    cwd: root,
    env: { ...process.env, ...apis },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  })
  let log = ''
  server.stdout.on('data', (chunk) => (log += chunk))
  server.stderr.on('data', (chunk) => (log += chunk))
  const deadline = Date.now() + 60000
  for (;;) {
    try {
      if ((await fetch(baseUrl)).ok) break
    } catch {
      /* not yet */
    }
    if (Date.now() > deadline || server.exitCode !== null) {
      console.error(`the dev server did not start on ${baseUrl}:\n${log}`)
      process.exit(2)
    }
    await new Promise((r) => setTimeout(r, 300))
  }
}
const stop = () => {
  if (server && server.exitCode === null) {
    try {
      process.kill(-server.pid, 'SIGTERM')
    } catch {
      /* gone */
    }
  }
}
process.on('SIGINT', () => {
  stop()
  process.exit(130)
})

const only = (process.env.E2E_ONLY ?? '').split(',').map((w) => w.trim()).filter(Boolean)
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .filter((f) => !only.length || only.some((word) => f.includes(word)))
  .sort()
  .map((f) => resolve(here, f))
const tests = spawn(process.execPath, ['--test', '--test-concurrency=1', ...files], {
  cwd: root,
  env: { ...process.env, ...apis, E2E_BASE_URL: baseUrl, E2E_SCREENSHOTS: screenshots },
  stdio: 'inherit',
})
const code = await new Promise((r) => tests.on('exit', (c) => r(c ?? 1)))
stop()
console.log(`\nscreenshots: ${screenshots}`)
process.exit(code)
