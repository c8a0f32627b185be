// The logic of the completion bar, kept apart so it is tested without a browser.

export type Status = 'ahead' | 'on_track' | 'behind'

export const STATUS_LABEL: Record<Status, string> = {
  ahead: '超前',
  on_track: '正常',
  behind: '滞后',
}

export const STATUS_COLOR: Record<Status, string> = {
  ahead: '#2e9e5b',
  on_track: '#3a7bd5',
  behind: '#d9452f',
}

export const NO_STATUS_COLOR = '#909399'

/** A fraction as a CSS percentage clamped to the bar: 1.5 -> "100%", -0.1 -> "0%", null -> "0%". */
export function barPercent(fraction: number | null | undefined): string {
  if (fraction === null || fraction === undefined || Number.isNaN(fraction)) return '0%'
  const clamped = Math.min(Math.max(fraction, 0), 1)
  return `${Math.round(clamped * 10000) / 100}%`
}

export function statusColor(status: Status | null | undefined): string {
  return status ? STATUS_COLOR[status] : NO_STATUS_COLOR
}
