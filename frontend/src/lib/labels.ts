// The Chinese names the screens show for the services' codes, in one place.
import type { FundingSchemas, IndicatorSchemas, MatchingSchemas } from '../api'

export const STAGE_LABEL: Record<IndicatorSchemas['Stage'], string> = {
  reserve: '储备',
  coached: '辅导',
  applied: '已申报',
  certified: '已认定',
  rejected: '未通过',
  withdrawn: '退出',
}
export const PROGRAM_LABEL: Record<IndicatorSchemas['Program'], string> = { tech_sme: '科技型中小企业', hte: '高新技术企业' }
export const MEASURE_LABEL: Record<string, string> = { hte_applications: '高企申报', tech_sme_registered: '科技型中小企业入库' }

export const AWARD_STATUS: Record<FundingSchemas['AwardStatus'], string> = { pending: '待审核', approved: '已批准', rejected: '已驳回' }
export const ACCOUNT: Record<string, string> = { funding_source: '资金来源', program_available: '项目可用额度', award_payable: '应付奖补', award_paid: '已拨付' }
export const POSTING: Record<string, string> = { budget_allocated: '下达预算', award_approved: '批准奖补', disbursement: '拨付', reversal: '冲正' }

export const DEMAND_KIND: Record<MatchingSchemas['DemandKind'], string> = { technology: '技术需求', talent: '人才需求', finance: '金融需求' }
export const DEMAND_STATUS: Record<string, string> = { open: '征集中', matched: '已对接成功', closed: '到期关闭', withdrawn: '已撤回' }
