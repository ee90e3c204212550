import * as z from 'zod';

/*
 * The parts of HubSpot's CRM v3 answers the adapter relies on. Every answer is parsed with these
 * before use, so a renamed or missing field fails loudly as an upstream contract violation instead
 * of turning into nulls. Fields the adapter does not read are left unchecked.
 */

/** One CRM object as read, searched, created or upserted. */
export const apiObjectSchema = z.object({
  id: z.string().min(1),
  properties: z.record(z.string(), z.string().nullable()),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
});
export type ApiObject = z.infer<typeof apiObjectSchema>;

/** HubSpot's error envelope, at the top level of an answer or per input of a batch. */
export const errorEnvelopeSchema = z.object({
  message: z.string(),
  category: z.string().optional(),
  correlationId: z.string().optional(),
  policyName: z.string().optional(),
  errors: z.array(z.object({ message: z.string().optional(), in: z.string().optional() })).optional(),
  /**
   * In a batch answer, which inputs the error is about: their ids (read, upsert), or the
   * `objectWriteTraceId`s the request gave them (create).
   */
  context: z
    .object({ ids: z.array(z.string()).optional(), objectWriteTraceId: z.array(z.string()).optional() })
    .optional(),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** `POST /crm/v3/objects/{type}/batch/upsert`: 200, or 207 when some inputs failed. */
export const batchUpsertSchema = z.object({
  results: z.array(apiObjectSchema.extend({ new: z.boolean() })),
  errors: z.array(errorEnvelopeSchema).optional(),
});

/**
 * `POST /crm/v3/objects/{type}/batch/create`: 201, or 207 when some inputs failed (only when every
 * input carries an `objectWriteTraceId`; otherwise one bad input fails them all). Results come in
 * no promised order.
 */
export const batchCreateSchema = z.object({
  results: z.array(apiObjectSchema.extend({ objectWriteTraceId: z.string().optional() })),
  errors: z.array(errorEnvelopeSchema).optional(),
});

/** `POST /crm/v3/objects/{type}/batch/read`: 200, or 207 with the ids not found in `errors`. */
export const batchReadSchema = z.object({
  results: z.array(apiObjectSchema),
  errors: z.array(errorEnvelopeSchema).optional(),
});

/** `POST /crm/v3/objects/{type}/search`. */
export const searchSchema = z.object({
  total: z.number().int().min(0),
  results: z.array(apiObjectSchema),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});
export type SearchPage = z.infer<typeof searchSchema>;

/** One search filter, as HubSpot's search endpoint takes it. */
export interface SearchFilter {
  propertyName: string;
  operator: 'EQ' | 'NEQ' | 'GT' | 'GTE' | 'IN' | 'HAS_PROPERTY' | 'NOT_HAS_PROPERTY';
  value?: string;
  values?: string[];
}

/** The body of a search request. */
export interface SearchBody {
  filterGroups: { filters: SearchFilter[] }[];
  properties: readonly string[];
  sorts?: { propertyName: string; direction: 'ASCENDING' | 'DESCENDING' }[];
  limit: number;
  after?: string;
}
