import type { FundingSchemas } from '../../api'

type Award = FundingSchemas['AwardPublic']

/** A row of the awards table: an award, or an outstanding item (an approved award not fully paid). */
export type AwardRow = Pick<Award, 'id' | 'enterprise_name' | 'program_name' | 'amount' | 'paid' | 'outstanding' | 'status'> & {
  decision_note?: string
  working_days?: number
  overdue?: boolean
}
