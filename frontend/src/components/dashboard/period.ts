/** The period the dashboard shows: a year and the day its figures run to (YYYY-MM-DD). */
export interface Period {
  year: number
  asOf: string
}
