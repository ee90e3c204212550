import type { IncomingHttpHeaders } from 'node:http';

/** Where a request can carry a credential: HubSpot reads `authorization`, PDL `x-api-key` or `api_key`. */
export const CREDENTIAL_CARRIERS = ['authorization', 'x-api-key', 'api_key'] as const;
export type CredentialCarrier = (typeof CREDENTIAL_CARRIERS)[number];

/** One credential value vendor requests presented, where, and in how many requests. */
export interface PresentedCredential {
  carrier: CredentialCarrier;
  /** The raw value, e.g. `Bearer pat-…`: kept whole so a test can tell whose credential it was. */
  value: string;
  requests: number;
}

/**
 * Every credential vendor requests presented, valid or not, in order of first use. Kept apart from
 * the stats, which get printed: these are secrets.
 */
export class CredentialLog {
  readonly #seen = new Map<string, PresentedCredential>();

  record(headers: IncomingHttpHeaders, url: URL): void {
    for (const carrier of CREDENTIAL_CARRIERS) {
      const raw = carrier === 'api_key' ? url.searchParams.getAll(carrier) : headers[carrier];
      for (const value of typeof raw === 'string' ? [raw] : (raw ?? [])) {
        const key = `${carrier}\n${value}`;
        const entry = this.#seen.get(key) ?? { carrier, value, requests: 0 };
        entry.requests++;
        this.#seen.set(key, entry);
      }
    }
  }

  list(): PresentedCredential[] {
    return [...this.#seen.values()].map((entry) => ({ ...entry }));
  }
}
