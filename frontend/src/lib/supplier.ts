// 供给方工作台: labels of the matching codes it shows, the hall's relevance, the supply form's rules.
import type { MatchingSchemas } from '../api'

export type SupplyKind = MatchingSchemas['SupplyKind']
export type MatchStatus = MatchingSchemas['MatchStatus']

export type HallItem = MatchingSchemas['HallItem']

export const SUPPLY_KIND: Record<SupplyKind, string> = { expert: '专家与团队', technology: '技术成果', finance_product: '金融产品' }
export const MATCH_STATUS: Record<MatchStatus, string> = {
  proposed: '待对接',
  docking: '对接中',
  succeeded: '对接成功',
  failed: '对接失败',
  withdrawn: '已撤回',
  closed: '到期关闭',
}
export const MATCH_ORIGIN: Record<string, string> = { enterprise: '企业选定', supplier: '揭榜应答', bureau: '科技局撮合' }
export const REVIEW_STATUS: Record<string, string> = { pending: '待审核', approved: '已公开', rejected: '未通过' }

/** The hall's relevance (0–1) as a level a person reads at a glance. */
export function relevanceLevel(relevance: number): { label: string; type: 'success' | 'warning' | 'info' } {
  if (relevance >= 0.6) return { label: '高度相关', type: 'success' }
  if (relevance >= 0.3) return { label: '相关', type: 'warning' }
  if (relevance > 0) return { label: '弱相关', type: 'info' }
  return { label: '无相关供给', type: 'info' }
}

/** Splits what a person types into a list of terms: 、,, ; and spaces separate, blanks and repeats go. */
export function splitTerms(text: string): string[] {
  return [...new Set(text.split(/[、,,;;\s]+/).map((t) => t.trim()).filter(Boolean))]
}

export interface SupplyDraft {
  kind: SupplyKind
  name: string
  provider: string
  description: string
  fields: string
  industries: string
  contact: string
  capacity: number | null
  max_amount: string
  financing: MatchingSchemas['Financing'] | null
}

/** What the service needs before it takes a supply, per field, in Chinese (empty: complete). */
export function supplyErrors(draft: SupplyDraft): Record<string, string> {
  const errors: Record<string, string> = {}
  if (!draft.name.trim()) errors.name = '请填写名称'
  if (!draft.provider.trim()) errors.provider = '请填写所属机构'
  if (!draft.description.trim()) errors.description = '请填写简介'
  if (draft.kind === 'expert' && !(draft.capacity && draft.capacity > 0)) errors.capacity = '专家须填可同时服务的企业数'
  if (draft.kind === 'finance_product') {
    if (!/^\d+(\.\d{1,2})?$/.test(draft.max_amount.trim()) || Number(draft.max_amount) <= 0) errors.max_amount = '请填写最高额度(元)'
    if (!draft.financing) errors.financing = '请选择融资方式'
  }
  return errors
}
