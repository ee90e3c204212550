#!/usr/bin/env node
// Runs the compiled, bundled command (packages/cli/dist/bundle/, made by `npm run build`, which
// `npm install` runs): no TypeScript is compiled at run time, so a stdio server starts in a
// fraction of a second. See scripts/build.mjs for why one bundle.
let bundle;
try {
  bundle = await import('../dist/bundle/tollgate.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('tollgate.js')) throw error;
  process.stderr.write(
    'tollgate: the command is not built yet. Run `npm run build` (or `npm install`) first.\n',
  );
  process.exit(1);
}
await bundle.main(process.argv);
