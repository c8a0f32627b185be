import { after, before } from 'node:test'
import { resolve } from 'node:path'
import { chromium } from 'playwright-core'

export const BASE_URL = process.env.E2E_BASE_URL ?? 'http://127.0.0.1:5199'
export const SCREENSHOTS = process.env.E2E_SCREENSHOTS ?? resolve('test-artifacts/screenshots')
export const PASSWORD = process.env.E2E_PASSWORD ?? 'daye-demo-2025'
export const API = {
  indicator: process.env.INDICATOR_API_URL ?? 'http://127.0.0.1:8001',
  matching: process.env.MATCHING_API_URL ?? 'http://127.0.0.1:8002',
  funding: process.env.FUNDING_API_URL ?? 'http://127.0.0.1:8003',
}

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]

/** One headless Chromium per test file; `context()` gives a fresh, logged-out browser context. */
export function useBrowser() {
  const state = { browser: null }
  before(async () => {
    state.browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: FLAGS })
  })
  after(async () => {
    await state.browser?.close()
  })
  return {
    async page(viewport = { width: 1366, height: 768 }) {
      const context = await state.browser.newContext({ viewport, locale: 'zh-CN' })
      const page = await context.newPage()
      page.setDefaultTimeout(20000)
      return page
    },
  }
}

export async function login(page, username) {
  await page.goto(`${BASE_URL}/login`)
  await page.locator('input[name="username"]').fill(username)
  await page.locator('input[name="password"]').fill(PASSWORD)
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
}

export async function screenshot(page, name) {
  const path = resolve(SCREENSHOTS, `${name}.png`)
  await page.screenshot({ path, fullPage: true })
  return path
}

/** A bearer token straight from indicator-api, for checking what the browser did: one per account
 * and test file, since indicator-api limits how often an account signs in (429). */
const tokens = new Map()
export async function token(username) {
  if (!tokens.has(username)) tokens.set(username, signIn(username).catch((e) => (tokens.delete(username), Promise.reject(e))))
  return tokens.get(username)
}

async function signIn(username) {
  const response = await fetch(`${API.indicator}/api/v1/auth/token`, {
    method: 'POST',
    body: new URLSearchParams({ username, password: PASSWORD }),
  })
  if (!response.ok) throw new Error(`token for ${username}: HTTP ${response.status}`)
  return (await response.json()).access_token
}

export async function api(service, path, { method = 'GET', body, as = 'admin' } = {}) {
  const response = await fetch(`${API[service]}${path}`, {
    method,
    headers: { Authorization: `Bearer ${await token(as)}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  })
  const data = await response.json().catch(() => null)
  if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(data)}`)
  return data
}

/** A valid unified social credit code (GB 32100) with random body, for a fresh enterprise. */
export function randomCreditCode() {
  const alphabet = '0123456789ABCDEFGHJKLMNPQRTUWXY'
  const weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
  let body = '91420281MA'
  for (let i = 0; i < 7; i++) body += alphabet[Math.floor(Math.random() * 31)]
  const sum = [...body].reduce((acc, ch, i) => acc + alphabet.indexOf(ch) * weights[i], 0)
  return body + alphabet[(31 - (sum % 31)) % 31]
}
