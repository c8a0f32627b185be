import Big from 'big.js'

// Money arrives as decimal strings in yuan; all arithmetic here is decimal (big.js), never float.
Big.RM = Big.roundHalfUp

const WAN = new Big(10000)
const YI = new Big(100000000)

/** Trims trailing zeros of a fixed-point rendering: "5506.80" -> "5506.8", "12.00" -> "12". */
function trim(fixed: string): string {
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed
}

/** A decimal string in yuan as 万元 (e.g. "55068000.00" -> "5506.8万元"), up to `places` decimals. */
export function formatWan(yuan: string | number | null | undefined, places = 2): string {
  if (yuan === null || yuan === undefined || yuan === '') return '—'
  return `${trim(new Big(yuan).div(WAN).toFixed(places))}万元`
}

/** A decimal string in yuan as 亿元 (e.g. "3425000000" -> "34.25亿元"). */
export function formatYi(yuan: string | number | null | undefined, places = 2): string {
  if (yuan === null || yuan === undefined || yuan === '') return '—'
  return `${trim(new Big(yuan).div(YI).toFixed(places))}亿元`
}

/** Picks the unit by size: below 1万 in 元, below 1亿 in 万元, otherwise 亿元. */
export function formatMoney(yuan: string | number | null | undefined, places = 2): string {
  if (yuan === null || yuan === undefined || yuan === '') return '—'
  const value = new Big(yuan)
  const abs = value.abs()
  if (abs.lt(WAN)) return `${trim(value.toFixed(places))}元`
  if (abs.lt(YI)) return formatWan(yuan, places)
  return formatYi(yuan, places)
}

/** A decimal string in yuan as 元 with thousands separators: "1234567.5" -> "1,234,567.50元". */
export function formatYuan(yuan: string | number | null | undefined): string {
  if (yuan === null || yuan === undefined || yuan === '') return '—'
  const fixed = new Big(yuan).toFixed(2)
  const negative = fixed.startsWith('-')
  const [int, frac] = (negative ? fixed.slice(1) : fixed).split('.')
  return `${negative ? '-' : ''}${int.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${frac}元`
}

/** A fraction as a percentage: 0.735 -> "73.5%" (decimal arithmetic, so no 73.49999%). */
export function formatRate(rate: number | string | null | undefined, places = 1): string {
  if (rate === null || rate === undefined || rate === '') return '—'
  return `${trim(new Big(rate).times(100).toFixed(places))}%`
}

/** An indicator value with its unit; '%' indicators carry fractions. */
export function formatValue(value: string | null | undefined, unit: string): string {
  if (value === null || value === undefined) return '—'
  if (unit === '%') return formatRate(value, 2)
  return `${trim(new Big(value).toFixed(2))}${unit}`
}

/** Year-on-year change as a signed percentage, "+20.1%" / "-3%". */
export function formatGrowth(rate: number | null | undefined): string {
  if (rate === null || rate === undefined) return '—'
  const text = formatRate(rate)
  return rate > 0 ? `+${text}` : text
}

/** Share of a decimal string in a total, for chart values (a number, only for drawing). */
export function toWanNumber(yuan: string): number {
  return Number(new Big(yuan).div(WAN).toFixed(2))
}
