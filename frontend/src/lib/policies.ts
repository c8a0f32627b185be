// 我能享受的政策: the calculator's items grouped for the screen, the labels of its codes, outreach.
import Big from 'big.js'
import type { IndicatorSchemas } from '../api'

export type PolicyItem = IndicatorSchemas['PolicyItem']
export type PolicyStatus = IndicatorSchemas['PolicyStatus']
export type OutreachAction = IndicatorSchemas['OutreachAction']

export const POLICY_STATUS: Record<PolicyStatus, string> = {
  eligible_now: '现在即可获得',
  next: '差少数条件',
  held: '已享受',
  not_eligible: '暂不符合',
}
/** The tag colour of each status. */
export const POLICY_STATUS_TYPE: Record<PolicyStatus, 'success' | 'warning' | 'info' | 'primary'> = {
  eligible_now: 'success',
  next: 'warning',
  held: 'primary',
  not_eligible: 'info',
}
export const SOURCE_LEVEL: Record<string, string> = { province: '省级', huangshi: '黄石市级', daye: '大冶市级' }
export const OUTREACH_ACTION: Record<OutreachAction, string> = { informed: '已告知', visited: '已上门', applied: '已辅导申报' }

const ORDER: PolicyStatus[] = ['eligible_now', 'next', 'held', 'not_eligible']

export interface PolicySection {
  status: PolicyStatus
  label: string
  items: PolicyItem[]
}

/** What the enterprise can get now first, then what it nearly can, what it holds, the rest; empty
 * sections left out; within a section the service's order (qualifications, then programmes). */
export function groupPolicies(items: PolicyItem[]): PolicySection[] {
  return ORDER.map((status) => ({ status, label: POLICY_STATUS[status], items: items.filter((item) => item.status === status) })).filter(
    (section) => section.items.length > 0,
  )
}

/** The yuan the enterprise could get now (programmes eligible now with an amount), exact. */
export function amountAvailableNow(items: PolicyItem[]): string {
  return items
    .filter((item) => item.status === 'eligible_now' && item.amount !== null)
    .reduce((sum, item) => sum.plus(item.amount as string), new Big(0))
    .toFixed(2)
}
