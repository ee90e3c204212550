import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DemoCompany } from '@tollgate/simulators';

/** A vendor key long enough to be redacted, and distinctive enough to grep for in logs. */
export const TEST_API_KEY = 'test-pdl-key-7f3a9c41-do-not-log';

/** A match with gaps: unknown founding year, revenue, city and funding amount. */
export const PARTIAL_COMPANY: DemoCompany = {
  domain: 'acme-analytics.com',
  name: 'Acme Analytics',
  employee_count: 140,
  size: '51-200',
  founded: null,
  industry: 'computer software',
  inferred_revenue: null,
  location: { locality: null, region: 'california', country: 'united states' },
  tags: ['saas', 'data analytics'],
  total_funding_raised: null,
  latest_funding_stage: 'series_a',
  website: 'acme-analytics.com',
  likelihood: 7,
  enrichable: true,
};

/** A match with every field known. */
export const FULL_COMPANY: DemoCompany = {
  domain: 'bluepeak-payments.com',
  name: 'Bluepeak Payments Inc',
  employee_count: 2300,
  size: '1001-5000',
  founded: 2011,
  industry: 'financial services',
  inferred_revenue: '$250M-$500M',
  location: { locality: 'london', region: 'england', country: 'united kingdom' },
  tags: ['fintech', 'payments'],
  total_funding_raised: 210_000_000,
  latest_funding_stage: 'series_d',
  website: 'bluepeak-payments.com',
  likelihood: 10,
  enrichable: true,
};

/** A domain the vendor has never heard of: it answers 404. */
export const UNKNOWN_COMPANY: DemoCompany = {
  ...FULL_COMPANY,
  domain: 'ghost-logistics.com',
  website: 'ghost-logistics.com',
  enrichable: false,
};

export const TEST_COMPANIES: readonly DemoCompany[] = [PARTIAL_COMPANY, FULL_COMPANY, UNKNOWN_COMPANY];

export interface StubVendor {
  url: URL;
  close(): Promise<void>;
}

/** A one-off loopback vendor for answers the simulator never gives (an echoed key, an HTML 404). */
export async function startStubVendor(
  answer: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<StubVendor> {
  const server = createServer(answer);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: new URL(`http://127.0.0.1:${port}/`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
