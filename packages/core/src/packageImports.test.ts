import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

/*
 * Every package declares what it imports, so that each one installs and builds on its own: a
 * production file imports only the package's `dependencies` (and `peerDependencies`); test code
 * (`*.test.ts`, `test/`, `bench/`) may also use its `devDependencies` and the root's. And the house
 * rules on which package may import which: no production file imports a simulator or the test
 * helpers, and no server imports another.
 */

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const BUILTINS = new Set(builtinModules);
const SERVERS = ['@tollgate/crm', '@tollgate/enrichment', '@tollgate/warehouse', '@tollgate/outreach'];
/** Test support and fakes: never in what a package ships. */
const TEST_ONLY = ['@tollgate/simulators', '@tollgate/testing'];
/**
 * The one exception: `tollgate simulate` and `tollgate demo` exist to run the vendor simulators.
 * They load them with a dynamic import, so no other command (`serve crm`) ever loads a simulator.
 */
const RUNS_THE_SIMULATORS = ['packages/cli/src/commands/demo.ts', 'packages/cli/src/commands/simulate.ts'];

interface Manifest {
  name: string;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

interface Import {
  /** The file, relative to the repository. */
  file: string;
  /** The package the specifier names: `@scope/name` or `name`. */
  pkg: string;
  specifier: string;
  /** How it is imported: `import-statement`, `dynamic-import`, … (esbuild's kinds). */
  kind: string;
}

const readManifest = async (dir: string): Promise<Manifest> =>
  JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Manifest;

/** `@scope/name/sub` → `@scope/name`; `name/sub` → `name`; undefined for a relative path or a builtin. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('#')) return undefined;
  if (specifier.startsWith('node:') || BUILTINS.has(specifier.split('/')[0] ?? '')) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/**
 * Every bare import of these TypeScript files, as esbuild parses them (so an import in a comment or
 * a string does not count), type-only imports included: they are read as value imports first,
 * since a declaration file that names a package needs it installed as much as code does.
 */
export async function bareImports(files: readonly string[]): Promise<Import[]> {
  const found: Import[] = [];
  const collect: Plugin = {
    name: 'collect-bare-imports',
    setup(builder) {
      builder.onLoad({ filter: /\.[cm]?tsx?$/ }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        const valued = source
          .replace(/\bimport\s+type\s+(?=[{*]|[\w$]+\s+from\b)/g, 'import ')
          .replace(/\bexport\s+type\s+(?=[{*])/g, 'export ');
        return { contents: valued, loader: 'ts' };
      });
      builder.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const pkg = packageOf(args.path);
        // Relative files are scanned as entry points of their own; builtins are not packages.
        if (pkg === undefined) return { external: true };
        found.push({
          file: relative(repo, args.importer).split(sep).join('/'),
          pkg,
          specifier: args.path,
          kind: args.kind,
        });
        return { external: true };
      });
    },
  };
  await build({
    entryPoints: [...files],
    bundle: true,
    write: false,
    outdir: join(tmpdir(), 'tollgate-imports-unused'),
    platform: 'node',
    format: 'esm',
    logLevel: 'silent',
    // Keeps `import { X }` whose X is used only as a type, as tsc does with this option.
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } },
    plugins: [collect],
  });
  return found;
}

async function tsFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile() && /\.[cm]?ts$/.test(entry.name) && !entry.name.endsWith('.d.ts'))
    .map((entry) => join(entry.parentPath, entry.name))
    .filter((path) => !path.split(sep).includes('node_modules'));
}

const isTestCode = (file: string): boolean =>
  /\.test\.[cm]?ts$/.test(file) || /^packages\/[^/]+\/(test|bench)\//.test(file);

interface PackageScan {
  dir: string;
  manifest: Manifest;
  production: Import[];
  test: Import[];
}

async function scanPackages(): Promise<PackageScan[]> {
  const names = (await readdir(join(repo, 'packages'), { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const scans: PackageScan[] = [];
  for (const name of names) {
    const dir = join(repo, 'packages', name);
    const manifest = await readManifest(dir).catch(() => undefined);
    if (manifest === undefined) continue;
    const files = (await Promise.all(['src', 'test', 'bench'].map((sub) => tsFiles(join(dir, sub))))).flat();
    const imports = await bareImports(files);
    scans.push({
      dir: `packages/${name}`,
      manifest,
      production: imports.filter((found) => !isTestCode(found.file)),
      test: imports.filter((found) => isTestCode(found.file)),
    });
  }
  return scans;
}

const describeImport = ({ file, specifier }: Import) => `${file}: ${specifier}`;
const scans = await scanPackages();
const root = await readManifest(repo);

describe('what each package imports', () => {
  it('finds the imports it checks', () => {
    const core = scans.find((scan) => scan.manifest.name === '@tollgate/core');
    expect(core?.production.map((found) => found.pkg)).toContain('zod');
    expect(core?.test.map((found) => found.pkg)).toContain('vitest');
    expect(scans.map((scan) => scan.manifest.name)).toEqual(
      expect.arrayContaining(['@tollgate/core', '@tollgate/gtm-data', '@tollgate/dev-issuer', ...SERVERS]),
    );
  });

  it.each(scans.map((scan) => [scan.manifest.name, scan] as const))(
    '%s imports in its production files only what its dependencies declare',
    (name, scan) => {
      const declared = new Set([
        name,
        ...Object.keys(scan.manifest.dependencies ?? {}),
        ...Object.keys(scan.manifest.peerDependencies ?? {}),
      ]);
      expect(scan.production.filter((found) => !declared.has(found.pkg)).map(describeImport)).toEqual([]);
    },
  );

  it.each(scans.map((scan) => [scan.manifest.name, scan] as const))(
    '%s imports in its tests only what it or the root declares',
    (name, scan) => {
      const declared = new Set([
        name,
        ...Object.keys(scan.manifest.dependencies ?? {}),
        ...Object.keys(scan.manifest.peerDependencies ?? {}),
        ...Object.keys(scan.manifest.devDependencies ?? {}),
        ...Object.keys(root.devDependencies ?? {}),
      ]);
      expect(scan.test.filter((found) => !declared.has(found.pkg)).map(describeImport)).toEqual([]);
    },
  );

  it('never imports a simulator or a test helper from production code', () => {
    const offending = scans.flatMap((scan) =>
      scan.production.filter(
        (found) =>
          TEST_ONLY.includes(found.pkg) &&
          found.pkg !== scan.manifest.name &&
          !(found.pkg === '@tollgate/simulators' && RUNS_THE_SIMULATORS.includes(found.file)),
      ),
    );
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('loads the simulators only in the commands that run them, and only when they run', () => {
    const cli = scans.find((scan) => scan.manifest.name === '@tollgate/cli');
    const uses = (cli?.production ?? []).filter((found) => found.pkg === '@tollgate/simulators');
    expect([...new Set(uses.map((found) => found.file))].sort()).toEqual(RUNS_THE_SIMULATORS);
    expect(uses.filter((found) => found.kind !== 'dynamic-import').map(describeImport)).toEqual([]);
  });

  it('never declares a simulator or a test helper as a dependency of what ships', () => {
    const offending = scans.flatMap((scan) =>
      Object.keys(scan.manifest.dependencies ?? {})
        .filter((pkg) => TEST_ONLY.includes(pkg) && scan.manifest.name !== '@tollgate/cli')
        .map((pkg) => `${scan.dir}: ${pkg}`),
    );
    expect(offending).toEqual([]);
  });

  it('keeps the servers apart: none imports another', () => {
    const offending = scans
      .filter((scan) => SERVERS.includes(scan.manifest.name))
      .flatMap((scan) => [...scan.production, ...scan.test])
      .filter((found) => SERVERS.includes(found.pkg) && !found.file.startsWith(dirOf(found.pkg)));
    expect(offending.map(describeImport)).toEqual([]);
  });

  it('keeps the shared data package free of every other Tollgate package', () => {
    const gtmData = scans.find((scan) => scan.manifest.name === '@tollgate/gtm-data');
    const tollgate = [...(gtmData?.production ?? []), ...(gtmData?.test ?? [])].filter(
      (found) => found.pkg.startsWith('@tollgate/') && found.pkg !== '@tollgate/gtm-data',
    );
    expect(tollgate.map(describeImport)).toEqual([]);
  });

  it('leaves the development issuer out of the gate and the servers', () => {
    const offending = scans
      .filter((scan) => ['@tollgate/core', ...SERVERS].includes(scan.manifest.name))
      .flatMap((scan) => scan.production)
      .filter((found) => found.pkg === '@tollgate/dev-issuer');
    expect(offending.map(describeImport)).toEqual([]);
  });
});

function dirOf(pkg: string): string {
  const scan = scans.find((candidate) => candidate.manifest.name === pkg);
  return `${scan?.dir ?? pkg}/`;
}

describe('the import scan', () => {
  it('counts type-only, re-exported and dynamic imports, and nothing in comments or strings', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tollgate-imports-'));
    try {
      await mkdir(join(dir, 'src'));
      const file = join(dir, 'src', 'sample.ts');
      await writeFile(
        file,
        [
          "import type { A } from '@scope/types-only';",
          "import { type B } from 'inline-type';",
          "export type { C } from 'reexported-type';",
          "export * from '@scope/star/sub';",
          "import { readFile } from 'node:fs/promises';",
          "import 'fs';",
          "const lazy = () => import('lazy-one');",
          "// import { nope } from 'in-a-comment';",
          'const text = "import { nope } from \'in-a-string\'";',
          'export type Alias = A | B;',
          'export { lazy, readFile, text };',
        ].join('\n'),
      );
      const found = await bareImports([file]);
      expect(found.map((entry) => entry.pkg).sort()).toEqual(
        ['@scope/star', '@scope/types-only', 'inline-type', 'lazy-one', 'reexported-type'].sort(),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
