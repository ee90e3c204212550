import { defaultClientConditions, defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

// Tests run on the TypeScript sources: every package maps `tollgate-source` to `src/*.ts` in its
// exports (tsc's `customConditions` does the same for type-checking). Without the condition, an
// import resolves to the compiled `dist/`, which is what the `tollgate` command and other
// processes run; the global setup rebuilds it first, so a spawned child never runs stale code.
const SOURCE = 'tollgate-source';
// Vitest's own default for the server side leaves out `module` (node runs those files unbundled).
const serverConditions = defaultServerConditions.filter((condition) => condition !== 'module');

export default defineConfig({
  resolve: { conditions: [SOURCE, ...defaultClientConditions] },
  ssr: { resolve: { conditions: [SOURCE, ...serverConditions] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'examples/**/*.test.ts'],
    globalSetup: ['./vitest.setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
