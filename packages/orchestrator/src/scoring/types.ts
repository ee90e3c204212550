/**
 * What the scorer sees of one account. Every signal may be missing: null means unknown, never zero.
 */
export interface ScoringInput {
  /** From enrichment (firmographics) or, when enrichment is unavailable, from the CRM/warehouse. */
  firmographics: {
    employee_count: number | null;
    industry: string | null;
    /** e.g. "$10M-$25M", as the enrichment vendor reports it. */
    inferred_revenue: string | null;
    /** e.g. "series_b". */
    latest_funding_stage: string | null;
    country: string | null;
  };
  /** Enrichment confidence in [0,1]; 0 when there was no enrichment match. */
  confidence: number;
  /** Product usage over the scoring window, or null when the warehouse had none for the account. */
  usage: {
    active_users: number;
    sessions: number;
    pricing_page_views: number;
    demo_requests: number;
    /** Days since the last activity, or null if never active. */
    days_since_active: number | null;
  } | null;
}

export type ScoreBand = 'hot' | 'warm' | 'nurture' | 'cold';

export interface ScoreResult {
  /** 0–100. */
  fit: number;
  /** 0–100. */
  intent: number;
  /** 0–100, weighted from fit and intent. */
  score: number;
  band: ScoreBand;
  /** True when too little is known to score responsibly: route to manual research instead. */
  thin: boolean;
  /** Which signals contributed, for the report: e.g. { employee_count: 25, demo_requests: 30 }. */
  contributions: Record<string, number>;
}
