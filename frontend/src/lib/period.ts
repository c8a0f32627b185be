// Periods the dashboard derives from the server's year and as-of day (YYYY-MM-DD strings).

/** The quarter (1–4) a day falls in. */
export const quarterOf = (day: string): number => Math.ceil(Number(day.slice(5, 7)) / 3)

/**
 * The demand statistics' window: the year to date, from 1 January to the as-of day, or the whole
 * year when the as-of day lies in another year.
 */
export function yearToDate(year: number, asOf: string): { from: string; to: string } {
  const from = `${year}-01-01`
  return { from, to: asOf.startsWith(`${year}-`) ? asOf : `${year}-12-31` }
}
