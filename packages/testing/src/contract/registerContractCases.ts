import type { ContractCase } from './ContractOptions.ts';

/** What vitest and node:test both offer: `describe(name, body)` and `it(name, fn)`. */
export interface TestRegistrar {
  describe(name: string, body: () => void): unknown;
  it(name: string, fn: () => Promise<void>): unknown;
}

/**
 * Registers contract cases as tests, one `it` each inside one `describe`.
 *
 * @example
 * import { describe, it } from 'vitest'; // or 'node:test'
 * registerContractCases('crm', await contractCases({ ... }), { describe, it });
 */
export function registerContractCases(
  title: string,
  cases: readonly ContractCase[],
  { describe, it }: TestRegistrar,
): void {
  describe(title, () => {
    for (const each of cases) it(each.name, () => each.run());
  });
}
