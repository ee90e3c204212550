#!/usr/bin/env node
/**
 * `npm run build` (also run by `prepare` on `npm install`/`npm ci`, and by the test run's global
 * setup): every package's TypeScript to `dist/` (`.js` and `.d.ts`, tsc build mode, incremental),
 * then the `tollgate` command bundled, `packages/cli/dist/bundle/tollgate.js` (and the chunks it loads),
 * then the embedded database's empty snapshot (see shipPgliteSnapshot).
 *
 * Why a bundle for the command: a stdio server's start is mostly Node loading modules. Measured on
 * the 2-core dev machine (`tollgate serve crm`, `initialize` answered, store opened on first use):
 * tsx compiling sources at run time ~2.9 s; tsc output loaded file by file with dependencies from
 * node_modules ~0.9-1.5 s; one bundle with the dependencies inside ~0.6 s, next to ~0.3-0.5 s for a
 * bare SDK server. Resolving and reading some 1,500 files (OpenTelemetry alone is hundreds) is what
 * the bundle saves. Split at the command's dynamic imports (each server, @tollgate/dev-issuer), so
 * `serve crm` does not even parse the other servers: ~5-10% sooner and ~4 MB less than one file.
 *
 * Type errors do not stop the build (tsc still emits): `npm run typecheck` is where they fail.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Bundled without: loaded from node_modules when first used. */
const EXTERNAL = [
  // Finds its WASM and data files next to its own module, and is imported only when a store opens.
  '@electric-sql/pglite',
  // pg's optional native binding, required only when asked for.
  'pg-native',
];

export async function build({ quiet = false } = {}) {
  compileTypeScript(quiet);
  await bundleCli();
  await shipPgliteSnapshot(quiet);
}

/**
 * The embedded database's initialised, empty snapshot, made once per installation (and PGlite
 * version) in `node_modules/.cache/tollgate/`, so that no `TOLLGATE_HOME` pays initdb on its first
 * call: measured with `TOLLGATE_BENCH=start npm run bench` ("first call, new home"). A failure here
 * is not fatal: each home then makes its own on first use, as it did before.
 */
async function shipPgliteSnapshot(quiet) {
  try {
    const { writeShippedPgliteSnapshot } = await import(
      pathToFileURL(join(root, 'packages/core/dist/store/openDatabase.js')).href
    );
    await writeShippedPgliteSnapshot();
  } catch (error) {
    if (!quiet)
      process.stderr.write(`build: no shipped database snapshot (${error.message}); homes make their own.\n`);
  }
}

function compileTypeScript(quiet) {
  // The package exports no bin path; its package.json locates it.
  const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin/tsc');
  try {
    execFileSync(process.execPath, [tsc, '-b', join(root, 'tsconfig.build.json')], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    // tsc exits non-zero on type errors but has emitted; a broken config emits nothing and the
    // bundle step below fails on the missing entry.
    if (!quiet) {
      process.stderr.write(String(error.stdout ?? ''));
      process.stderr.write('build: tsc reported errors (above); `npm run typecheck` fails on them.\n');
    }
  }
}

async function bundleCli() {
  const { build: esbuild } = await import('esbuild');
  const outDir = join(root, 'packages/cli/dist/bundle');
  const { outputFiles } = await esbuild({
    entryPoints: [join(root, 'packages/cli/dist/main.js')],
    outdir: outDir,
    entryNames: 'tollgate',
    splitting: true,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // CommonJS dependencies (pg, pino, OpenTelemetry) call require() for Node's own modules.
    banner: {
      js: "import { createRequire as __tollgateRequire } from 'node:module'; const require = __tollgateRequire(import.meta.url);",
    },
    logLevel: 'warning',
    legalComments: 'none',
    // For stack traces under `node --enable-source-maps`; Node reads no map unless asked.
    sourcemap: true,
    plugins: [moduleUrls(outDir)],
    write: false,
  });
  await writeAtomically(outDir, outputFiles);
}

/**
 * Test runs rebuild while other processes run the command (the tests' own children, or another
 * run's): each file is replaced by a rename, never seen half-written, and chunks the last builds
 * made are kept a while for processes that loaded an older entry and import them later.
 */
async function writeAtomically(outDir, outputFiles) {
  await mkdir(outDir, { recursive: true });
  const written = new Set();
  for (const file of outputFiles) {
    written.add(file.path);
    const current = await readFile(file.path).catch(() => undefined);
    if (current !== undefined && Buffer.compare(current, file.contents) === 0) continue;
    const temporary = `${file.path}.${process.pid}.tmp`;
    await writeFile(temporary, file.contents);
    await rename(temporary, file.path);
  }
  const staleBefore = Date.now() - 60 * 60 * 1000;
  for (const name of await readdir(outDir)) {
    const path = join(outDir, name);
    if (written.has(path)) continue;
    const { mtimeMs } = await stat(path).catch(() => ({ mtimeMs: Date.now() }));
    if (mtimeMs < staleBefore) await rm(path, { force: true });
  }
}

/**
 * In a bundle every module shares one `import.meta.url`, the bundle's. Tollgate's modules find
 * files beside them with it (package.json, config/*.json, node_modules from core), so in each of
 * them it is replaced by that module's own URL, computed from the bundle's at run time: the
 * checkout can move.
 */
function moduleUrls(outDir) {
  return {
    name: 'tollgate-module-urls',
    setup(builder) {
      const packages = `${join(root, 'packages')}${sep}`;
      builder.onLoad({ filter: /\/packages\/[^/]+\/dist\/.*\.js$/ }, async (args) => {
        if (!args.path.startsWith(packages)) return undefined;
        const source = await readFile(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const own = relative(outDir, args.path).split(sep).join('/');
        const url = `new URL(${JSON.stringify(own)}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', url), loader: 'js' };
      });
    },
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await build();
}
