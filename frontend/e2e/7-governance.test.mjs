// Issue 17 in the browser: the auditor's trail of the three services, the security admin's accounts,
// a second factor enrolled and used, a period closed and reopened, a submission returned.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHmac, randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { API, BASE_URL, api, login, screenshot, useBrowser } from './helpers.mjs'

const browser = useBrowser()
const SERVICES = ['indicator', 'matching', 'funding']

/** RFC 6238 (SHA-1, 30 s, 6 digits) from a base32 secret, as an authenticator app computes it. */
export function totp(secret, at = Date.now()) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = ''
  for (const ch of secret.replace(/=+$/, '').toUpperCase()) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0')
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)))
  const counter = Buffer.alloc(8)
  counter.writeBigUInt64BE(BigInt(Math.floor(at / 1000 / 30)))
  const mac = createHmac('sha1', key).update(counter).digest()
  const offset = mac[mac.length - 1] & 0xf
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1e6).padStart(6, '0')
}

/** A new account made by the security admin through the API, with a password of the test's own. */
async function newAccount(prefix, role = 'viewer') {
  const username = `${prefix}-${randomBytes(3).toString('hex')}`
  const password = `Pw-${randomBytes(6).toString('hex')}`
  await api('indicator', '/api/v1/users', { method: 'POST', as: 'security', body: { username, display_name: `测试 ${username}`, role, password } })
  return { username, password }
}

async function signInForm(page, username, password) {
  await page.goto(`${BASE_URL}/login`)
  await page.locator('input[name="username"]').fill(username)
  await page.locator('input[name="password"]').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
}

async function tokenStatus(username, password, totpCode) {
  const body = new URLSearchParams({ username, password, ...(totpCode ? { totp: totpCode } : {}) })
  const response = await fetch(`${API.indicator}/api/v1/auth/token`, { method: 'POST', body })
  return { status: response.status, body: await response.json().catch(() => null) }
}

test('the auditor reads the three services’ trails as one list, opens an event and exports a service’s trail', async () => {
  const page = await browser.page()
  await login(page, 'auditor')
  await page.waitForURL(/\/audit$/)
  // Every service has signed-in traffic by now (the tests before this one); each one's rows show.
  const table = page.locator('[data-test="audit-table"]')
  for (const service of SERVICES) {
    const { total } = await api(service, '/api/v1/audit?limit=1', { as: 'auditor' })
    assert.ok(total >= 1, `${service} keeps an audit trail`)
    await table.locator(`[data-test="audit-service"][data-service="${service}"]`).first().waitFor()
  }
  // Newest first across the services.
  const counts = await page.locator('[data-test="audit-counts"]').textContent()
  assert.match(counts, /指标服务 \d+,供需对接服务 \d+,资金兑现服务 \d+/)
  await screenshot(page, 'audit')

  // A write shows its fields before and after: the sign-in of this very session is there too.
  await page.locator('input[name="action"]').fill('sign_in')
  await page.locator('[data-test="audit-search"]').click()
  const first = table.locator('.el-table__row').first()
  await first.locator('[data-test="audit-action"]', { hasText: '登录' }).waitFor()
  await first.locator('.el-table__expand-icon').click()
  await table.locator('[data-test="audit-detail"]').first().waitFor()
  await screenshot(page, 'audit-expanded')

  // 导出 Excel from matching-api, with the filter.
  await page.locator('[data-test="audit-export"] button').click()
  const download = page.waitForEvent('download')
  await page.locator('[data-test="export-matching"]').click()
  const file = await download
  assert.match(file.suggestedFilename(), /^审计日志-matching-.*\.xlsx$/)
  const bytes = await readFile(await file.path())
  assert.equal(bytes.subarray(0, 2).toString(), 'PK', 'an xlsx workbook')
  await page.context().close()
})

test('the security admin disables an account with a reason, and it can no longer sign in', async () => {
  const account = await newAccount('e2e-off')
  assert.equal((await tokenStatus(account.username, account.password)).status === 401, false, 'the new account signs in')
  const page = await browser.page()
  await login(page, 'security')
  await page.waitForURL(/\/accounts$/)
  await page.locator('input[name="q"]').fill(account.username)
  await page.locator('input[name="q"]').press('Enter')
  const row = page.locator('[data-test="account-table"] .el-table__row', { hasText: account.username })
  await row.locator('[data-test="account-status"]', { hasText: '正常' }).waitFor()
  await row.locator('[data-test="account-disable"]').click()
  const box = page.locator('.el-message-box', { hasText: `停用账号 ${account.username}` })
  await box.waitFor()
  // No reason, no disabling.
  await box.getByRole('button', { name: '停用' }).click()
  await box.getByText('请填写停用原因').waitFor()
  await box.locator('input').fill('离职,按规定停用')
  await screenshot(page, 'accounts-disable')
  await box.getByRole('button', { name: '停用' }).click()
  await row.locator('[data-test="account-status"]', { hasText: '已停用' }).waitFor()
  await screenshot(page, 'accounts-disabled')

  const { items } = await api('indicator', `/api/v1/users?q=${account.username}`, { as: 'security' })
  const saved = items.find((u) => u.username === account.username)
  assert.equal(saved.is_active, false)
  assert.ok(saved.disabled_at)
  // The account is refused at the token endpoint and on the login screen.
  const refused = await tokenStatus(account.username, account.password)
  assert.equal(refused.status, 401)
  assert.equal(refused.body.code, 'account_disabled')
  const other = await browser.page()
  await signInForm(other, account.username, account.password)
  await other.locator('.el-alert', { hasText: '账号已停用' }).waitFor()
  assert.match(new URL(other.url()).pathname, /^\/login/)
  await screenshot(other, 'accounts-disabled-login')
  await other.context().close()
  await page.context().close()
})

test('the security admin revokes an account’s sessions and resets its password; it changes the password before anything else', async () => {
  const account = await newAccount('e2e-reset')
  const user = await browser.page()
  await signInForm(user, account.username, account.password)
  await user.waitForURL((url) => !url.pathname.startsWith('/login'))

  const page = await browser.page()
  await login(page, 'security')
  await page.locator('input[name="q"]').fill(account.username)
  await page.locator('input[name="q"]').press('Enter')
  const row = page.locator('[data-test="account-table"] .el-table__row', { hasText: account.username })
  await row.locator('[data-test="account-revoke"]').click()
  await page.locator('.el-message-box', { hasText: '撤销令牌和密钥' }).getByRole('button', { name: '撤销' }).click()
  await page.locator('.el-message', { hasText: `已撤销 ${account.username}` }).waitFor()
  // The revoked session's next call sends it to the login screen, saying why.
  await user.reload()
  await user.waitForURL(/\/login/)
  await user.locator('[data-test="signed-out-reason"]', { hasText: '撤销' }).waitFor()
  await screenshot(user, 'signed-out-revoked')

  await row.locator('[data-test="account-reset"]').click()
  await page.locator('.el-message-box', { hasText: '重置密码' }).getByRole('button', { name: '重置' }).click()
  const shown = page.locator('[data-test="temporary-password"]')
  await shown.waitFor()
  const temporary = (await shown.textContent()).trim()
  assert.ok(temporary.length >= 8)
  await screenshot(page, 'accounts-temporary-password')
  await page.getByRole('button', { name: '我已记下' }).click()
  await page.context().close()

  // Signed in with the temporary password, nothing but the password change opens.
  await signInForm(user, account.username, temporary)
  await user.waitForURL(/\/account\/security$/)
  await user.locator('[data-test="must-change-password"]').waitFor()
  await user.goto(`${BASE_URL}/dashboard`)
  await user.waitForURL(/\/account\/security$/)
  const fresh = `New-${randomBytes(6).toString('hex')}`
  await user.locator('input[name="current_password"]').fill(temporary)
  await user.locator('input[name="new_password"]').fill(fresh)
  await user.locator('input[name="repeat_password"]').fill(fresh)
  await screenshot(user, 'security-must-change')
  await user.getByRole('button', { name: '修改密码' }).click()
  await user.waitForURL(/\/dashboard$/)
  await user.locator('[data-test="current-user"]', { hasText: account.username }).waitFor()
  assert.equal((await tokenStatus(account.username, fresh)).status, 200)
  await user.context().close()
})

test('an account enrols a second factor from a QR code, confirms it with a code, and then signs in with one', async () => {
  const account = await newAccount('e2e-otp')
  const page = await browser.page()
  await signInForm(page, account.username, account.password)
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  await page.goto(`${BASE_URL}/account/security`)
  await page.locator('[data-test="totp-enroll"]').click()
  const qr = page.locator('[data-test="totp-qr"]')
  await qr.waitFor()
  assert.match(await qr.getAttribute('src'), /^data:image\/png;base64,/)
  const size = await qr.evaluate((img) => img.naturalWidth)
  assert.ok(size >= 100, 'the QR code is drawn')
  const secret = (await page.locator('[data-test="totp-secret"]').textContent()).trim()
  assert.match(secret, /^[A-Z2-7]{16,}=*$/)
  await screenshot(page, 'security-totp')
  // A wrong code is refused, the right one confirms.
  const code = totp(secret)
  await page.locator('input[name="totp_code"]').fill(code === '000000' ? '111111' : '000000')
  await page.locator('[data-test="totp-confirm"]').click()
  await page.locator('[data-test="totp"] .el-alert--error').waitFor()
  await page.locator('input[name="totp_code"]').fill(totp(secret))
  await page.locator('[data-test="totp-confirm"]').click()
  await page.locator('[data-test="totp-enabled"]').waitFor()
  await screenshot(page, 'security-totp-enabled')

  // The password alone no longer signs in; the login screen asks for the code.
  assert.equal((await tokenStatus(account.username, account.password)).body.code, 'second_factor_required')
  await page.locator('[data-test="logout"]').click()
  await page.waitForURL(/\/login/)
  await signInForm(page, account.username, account.password)
  await page.locator('[data-test="totp-prompt"]').waitFor()
  // A code is good once: the one that confirmed the enrolment is not used again (the next step's).
  await new Promise((r) => setTimeout(r, 30000 - (Date.now() % 30000) + 500))
  await page.locator('input[name="totp"]').fill(totp(secret))
  await page.getByRole('button', { name: '登录' }).click()
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  await page.locator('[data-test="current-user"]', { hasText: account.username }).waitFor()
  await page.context().close()
})

test('signing out ends the token at the server', async () => {
  const account = await newAccount('e2e-out')
  const page = await browser.page()
  await signInForm(page, account.username, account.password)
  await page.waitForURL((url) => !url.pathname.startsWith('/login'))
  const token = await page.evaluate(() => JSON.parse(sessionStorage.getItem('daye.session')).token)
  await page.locator('[data-test="logout"]').click()
  await page.waitForURL(/\/login/)
  const me = await fetch(`${API.indicator}/api/v1/auth/me`, { headers: { Authorization: `Bearer ${token}` } })
  assert.equal(me.status, 401)
  assert.equal((await me.json()).code, 'token_revoked')
  await page.context().close()
})

test('the admin closes a period after a confirmation and reopens it with a reason', async () => {
  const { items } = await api('indicator', '/api/v1/periods')
  const period = items.find((p) => p.kind === 'month' && p.status === 'open')
  assert.ok(period, 'an open month')
  const page = await browser.page()
  await login(page, 'admin')
  await page.getByRole('link', { name: '期间管理' }).click()
  await page.waitForURL(/\/periods$/)
  const row = page.locator('[data-test="period-table"] .el-table__row', { has: page.locator(`[data-period="${period.key}"]`) })
  await row.locator('[data-test="period-status"]', { hasText: '未关闭' }).waitFor()
  await row.locator('[data-test="period-close"]').click()
  const close = page.locator('.el-message-box', { hasText: `关闭期间 ${period.key}` })
  await close.getByRole('button', { name: '关闭期间' }).click()
  await row.locator('[data-test="period-status"]', { hasText: '已关闭' }).waitFor()
  await screenshot(page, 'periods-closed')

  await row.locator('[data-test="period-reopen"]').click()
  const reopen = page.locator('.el-message-box', { hasText: `重开期间 ${period.key}` })
  await reopen.getByRole('button', { name: '重开' }).click()
  await reopen.getByText('请填写重开原因').waitFor()
  await reopen.locator('input').fill('补录乡镇迟报数据')
  await reopen.getByRole('button', { name: '重开' }).click()
  await row.locator('[data-test="period-status"]', { hasText: '已重开' }).waitFor()
  await row.locator('[data-test="reopen-reason"]', { hasText: '补录乡镇迟报数据' }).waitFor()
  await row.locator('[data-test="recloses-at"]').waitFor()
  await screenshot(page, 'periods-reopened')
  const after = (await api('indicator', '/api/v1/periods')).items.find((p) => p.key === period.key)
  assert.equal(after.status, 'reopened')
  assert.equal(after.reopen_reason, '补录乡镇迟报数据')
  assert.equal(after.reopened_by, 'admin')
  await page.context().close()
})

test('the admin returns a submission with a reason; the township reads it and reports the corrected figure', async () => {
  const township = '420281101'
  const code = 'high_level_talent_new'
  const { year } = await api('indicator', '/api/v1/platform')
  // The bureau reviews this indicator's figures from this township before they count (set once:
  // a second run against the same stack finds it).
  const { items: obligations } = await api('indicator', '/api/v1/reporting/obligations')
  if (!obligations.some((o) => o.indicator_code === code && o.region_code === township && o.requires_acceptance))
    await api('indicator', '/api/v1/reporting/obligations', {
      method: 'POST',
      body: { indicator_code: code, region_code: township, period_type: 'month', due_day: 10, requires_acceptance: true, active_from: `${year}-01-01` },
    })
  const figure = String(100 + Math.floor(Math.random() * 800))
  await api('indicator', `/api/v1/indicators/${code}/values`, {
    method: 'POST',
    as: township,
    body: { region_code: township, year, month: 7, value: figure, provenance: 'administrative' },
  })
  const { items } = await api('indicator', `/api/v1/reporting/submissions?status=submitted&region_code=${township}`)
  const submission = items.find((s) => s.indicator_code === code && s.year === year && s.period === 7)
  assert.ok(submission, 'the figure waits for review')

  const page = await browser.page()
  await login(page, 'admin')
  // The dashboard counts it among the submissions awaiting review, and links to the review screen.
  await page.locator('[data-test="pending-review"]').waitFor()
  assert.match(await page.locator('[data-test="pending-review"]').textContent(), /待审核 [1-9]\d*/)
  await page.locator('[data-test="reporting-summary"]', { hasText: '报送率' }).waitFor()
  await page.locator('[data-test="pending-review"]').click()
  await page.waitForURL(/\/reporting$/)
  await page.locator('[data-test="completeness"] [data-test="reporting-rate"]').first().waitFor()
  const row = page.locator('[data-test="review-queue"] .el-table__row', { has: page.locator(`[data-submission="${submission.id}"]`) })
  await row.locator('[data-test="submission-return"]').click()
  const box = page.locator('.el-message-box', { hasText: '退回报送' })
  await box.getByRole('button', { name: '退回' }).click()
  await box.getByText('请填写退回原因').waitFor()
  await box.locator('input').fill('与统计快报不一致,请核对后重报')
  await box.getByRole('button', { name: '退回' }).click()
  await row.waitFor({ state: 'detached' })
  await screenshot(page, 'reporting-returned')
  const returned = (await api('indicator', `/api/v1/reporting/submissions?status=returned&region_code=${township}`)).items.find((s) => s.id === submission.id)
  assert.equal(returned.return_reason, '与统计快报不一致,请核对后重报')
  assert.equal(returned.reviewed_by, 'admin')
  await page.context().close()

  // The township sees why, and reports the corrected figure from its screen.
  const own = await browser.page()
  await login(own, township)
  const card = own.locator('[data-test="returned-submissions"]')
  await card.locator('[data-test="return-reason"]', { hasText: '与统计快报不一致,请核对后重报' }).waitFor()
  const mine = card.locator(`[data-submission="${submission.id}"]`)
  await mine.locator('input[name="corrected"]').fill(String(Number(figure) + 1))
  await screenshot(own, 'township-returned')
  await mine.locator('[data-test="resubmit"]').click()
  await mine.waitFor({ state: 'detached' })
  const again = (await api('indicator', `/api/v1/reporting/submissions?status=submitted&region_code=${township}`)).items.find((s) => s.id === submission.id)
  assert.ok(again, 'the corrected figure waits for review again')
  assert.equal(Number(again.value), Number(figure) + 1)
  await own.context().close()
})
