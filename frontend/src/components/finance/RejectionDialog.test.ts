import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'

const post = vi.fn()
vi.mock('../../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../api')>()),
  fundingApi: { POST: (...args: unknown[]) => post(...args) },
}))
const { default: RejectionDialog } = await import('./RejectionDialog.vue')

const award = { id: 12, enterprise_name: '测试企业', program_name: '科技十八条·研发奖补', amount: '1000.00', paid: '0.00', outstanding: '0.00', status: 'pending' as const }

async function openDialog() {
  const wrapper = mount(RejectionDialog, { global: { plugins: [ElementPlus] }, attachTo: document.body })
  wrapper.vm.open({ ...award })
  await flushPromises()
  const button = (test: string) => document.querySelector<HTMLButtonElement>(`[data-test="${test}"]`)!
  const textarea = () => document.querySelector<HTMLTextAreaElement>('textarea[name="reason"]')!
  return { wrapper, button, textarea }
}

describe('RejectionDialog', () => {
  beforeEach(() => {
    post.mockReset()
    document.body.innerHTML = ''
  })

  it('will not reject without a reason', async () => {
    const { button } = await openDialog()
    button('confirm-reject').click()
    await flushPromises()
    expect(post).not.toHaveBeenCalled()
    // The field is marked (Element Plus shows its message in a transition the test does not run).
    expect(document.querySelector('.el-form-item')!.classList.contains('is-error')).toBe(true)
  })

  it('sends the reason the checker typed and hands on the rejected award', async () => {
    const rejected = { ...award, status: 'rejected', decision_note: '缺少研发费用专项审计报告' }
    post.mockResolvedValue({ data: rejected, response: new Response(null, { status: 200 }) })
    const { wrapper, button, textarea } = await openDialog()
    textarea().value = '  缺少研发费用专项审计报告 '
    textarea().dispatchEvent(new Event('input'))
    await flushPromises()
    button('confirm-reject').click()
    await flushPromises()
    expect(post).toHaveBeenCalledWith('/api/v1/awards/{award_id}/rejection', { params: { path: { award_id: 12 } }, body: { reason: '缺少研发费用专项审计报告' } })
    const [[emitted, row]] = wrapper.emitted('rejected') as unknown as [[typeof rejected, typeof award]]
    expect(emitted.decision_note).toBe('缺少研发费用专项审计报告')
    expect(row.id).toBe(12)
  })
})
