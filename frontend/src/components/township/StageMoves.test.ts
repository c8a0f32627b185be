import { beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import ElementPlus from 'element-plus'
import type { IndicatorSchemas } from '../../api'

const patch = vi.fn()
vi.mock('../../api', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../api')>()),
  indicatorApi: { PATCH: (...args: unknown[]) => patch(...args) },
}))
const { default: StageMoves } = await import('./StageMoves.vue')

type Candidate = IndicatorSchemas['CandidatePublic']
const candidate = (stage: Candidate['stage'], allowed_moves: Candidate['allowed_moves']): Candidate => ({
  id: 7,
  credit_code: '91420281MA0000001H',
  enterprise_name: '测试科技有限公司',
  region_code: '420281101',
  program: 'tech_sme',
  year: 2025,
  stage,
  stage_changed_at: '2025-09-30T00:00:00Z',
  stage_changed_by: '420281101',
  created_by: '420281101',
  created_at: '2025-09-30T00:00:00Z',
  updated_at: '2025-09-30T00:00:00Z',
  assessments: {},
  allowed_moves,
})

const mountMoves = (c: Candidate) => mount(StageMoves, { props: { candidate: c }, global: { plugins: [ElementPlus] } })

describe('StageMoves', () => {
  beforeEach(() => patch.mockReset())

  it('offers exactly the moves the server allows, and none when it allows none', () => {
    // What the server gives a township for an applied candidate: withdrawal only.
    expect(mountMoves(candidate('applied', ['withdrawn'])).findAll('button').map((b) => b.text())).toEqual(['移到「退出」'])
    expect(mountMoves(candidate('reserve', ['coached', 'applied', 'withdrawn'])).findAll('button').map((b) => b.text())).toEqual([
      '移到「辅导」',
      '移到「已申报」',
      '移到「退出」',
    ])
    expect(mountMoves(candidate('applied', [])).findAll('button')).toHaveLength(0)
  })

  it('asks the server for the move and hands on the moved candidate', async () => {
    const moved = candidate('coached', ['reserve', 'applied', 'withdrawn'])
    patch.mockResolvedValue({ data: moved, response: new Response(null, { status: 200 }) })
    const wrapper = mountMoves(candidate('reserve', ['coached', 'applied', 'withdrawn']))
    await wrapper.findAll('button')[0].trigger('click')
    await flushPromises()
    expect(patch).toHaveBeenCalledWith('/api/v1/candidates/{candidate_id}', { params: { path: { candidate_id: 7 } }, body: { stage: 'coached', note: '' } })
    expect(wrapper.emitted('moved')).toEqual([[moved]])
  })
})
