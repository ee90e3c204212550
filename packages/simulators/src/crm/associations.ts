import * as z from 'zod';
import type { CrmRecord } from './CrmStore.ts';
import { ASSOCIATION_TYPES, type ObjectType, SINGULAR } from './objectTypes.ts';
import type { CrmContext } from './requests.ts';

/** One association of a create's input: `{ to: { id }, types: [{ associationCategory, associationTypeId }] }`. */
export const associationInputSchema = z.object({
  to: z.object({ id: z.union([z.string().min(1), z.number()]) }),
  types: z
    .array(
      z.object({
        associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED']).optional(),
        associationTypeId: z.number().int(),
      }),
    )
    .min(1),
});
export type AssociationInput = z.infer<typeof associationInputSchema>;

/** A link a create will make, once the record exists. */
export interface Link {
  typeId: number;
  to: CrmRecord;
}

/**
 * The links a create of `type` asks for, or why they cannot be made: an association type the
 * simulator does not know or that does not start at `type`, or a record that does not exist.
 * Only HubSpot's default types are modelled, so a USER_DEFINED label is refused as unknown.
 */
export function resolveAssociations(
  ctx: CrmContext,
  type: ObjectType,
  inputs: readonly AssociationInput[],
): { ok: true; links: Link[] } | { ok: false; message: string } {
  const links: Link[] = [];
  for (const input of inputs) {
    const id = String(input.to.id);
    for (const spec of input.types) {
      const known = ASSOCIATION_TYPES[spec.associationTypeId];
      if (
        known === undefined ||
        known.from !== type ||
        (spec.associationCategory ?? 'HUBSPOT_DEFINED') !== 'HUBSPOT_DEFINED'
      ) {
        return {
          ok: false,
          message: `${spec.associationCategory ?? 'HUBSPOT_DEFINED'} association type ${spec.associationTypeId} is not valid for ${SINGULAR[type].toUpperCase()}.`,
        };
      }
      const to = ctx.store.get(known.to, id);
      if (to === undefined) {
        return {
          ok: false,
          message: `Association ${spec.associationTypeId} to ${SINGULAR[known.to].toUpperCase()} ${id} is not valid: no such object.`,
        };
      }
      links.push({ typeId: spec.associationTypeId, to });
    }
  }
  return { ok: true, links };
}

/** Makes the links of a record just created. */
export function link(ctx: CrmContext, record: CrmRecord, links: readonly Link[]): void {
  for (const { typeId, to } of links) ctx.store.associate(record, typeId, to);
}

/**
 * A record's associations as a read with `associations=companies,…` shows them:
 * `{ companies: { results: [{ id, type: "task_to_company" }] } }`, types with none left out.
 */
export function associationsView(
  ctx: CrmContext,
  record: CrmRecord,
  toTypes: readonly ObjectType[],
): Record<string, { results: { id: string; type: string }[] }> | undefined {
  const view: Record<string, { results: { id: string; type: string }[] }> = {};
  for (const toType of toTypes) {
    const results = ctx.store
      .associated(record, toType)
      .map(({ id, typeId }) => ({ id, type: ASSOCIATION_TYPES[typeId]?.name ?? String(typeId) }));
    if (results.length > 0) view[toType] = { results };
  }
  return Object.keys(view).length === 0 ? undefined : view;
}
