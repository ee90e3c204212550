import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import type { PGliteOptions } from '@electric-sql/pglite';

const require = createRequire(import.meta.url);
/** A compiled `WebAssembly.Module`, as PGlite takes it. */
export type PgliteWasmModule = NonNullable<PGliteOptions['pgliteWasmModule']>;
// The global, which not every package's type libraries declare.
const { WebAssembly: wasmApi } = globalThis as unknown as {
  WebAssembly: { compile(bytes: Uint8Array): Promise<PgliteWasmModule> };
};

/** How V8 compiles PGlite's WebAssembly (`PgliteOptions.wasmCompiler`). */
export type WasmCompiler = 'baseline' | 'optimizing';

const compiled = new Map<WasmCompiler, Promise<PgliteWasmModule | undefined>>();

/** V8 settings of the process's own that choose how WebAssembly is compiled: those are left alone. */
const WASM_FLAGS = /--(no-)?(liftoff|wasm-tier|wasm-dynamic-tiering|wasm-lazy)/;

/**
 * PGlite's WebAssembly (9 MB of Postgres), compiled once per process, or undefined where it cannot
 * be found (PGlite then compiles it itself). Read so that it does not bloat the malloc heap for the
 * rest of the process (see `readOutsideMallocHeap`).
 *
 * `baseline` compiles it with V8's baseline compiler (Liftoff) alone. By default V8 compiles with
 * Liftoff and then recompiles the hot functions with TurboFan in the background; for Postgres that
 * costs ~40-60 MB of resident memory for the life of the process (the optimizing compiler's code
 * and its malloc arenas, which are never given back), and on a 2-core machine the background
 * compiles slow the first thousands of statements rather than speeding them up. Measured on
 * 2026-12-04 (Node 20, a PGlite data directory, rounds of 1,000 of the ledger's upserts): open 0.5 s
 * and 131 MB RSS against 1.2 s and 168 MB; rounds of 0.8, 0.5, 0.4 s… against 2.7, 0.7, 0.5 s…;
 * 176 MB after 6,000 statements against 188 MB (peak 214). Once TurboFan is done a statement is
 * ~10-20% faster (0.24 against 0.27 ms, on a quiet machine).
 *
 * The V8 setting (`--liftoff-only`) is process-wide, so it is set only while this module compiles,
 * and put back at once; a process started with a WebAssembly compiler setting of its own keeps it.
 */
export function pgliteWasmModule(compiler: WasmCompiler): Promise<PgliteWasmModule | undefined> {
  let module = compiled.get(compiler);
  if (module === undefined) {
    module = compile(compiler).catch(() => undefined);
    compiled.set(compiler, module);
  }
  return module;
}

async function compile(compiler: WasmCompiler): Promise<PgliteWasmModule | undefined> {
  // The package's entry point is dist/index.(c)js, beside pglite.wasm (which it loads by URL).
  const wasm = join(dirname(require.resolve('@electric-sql/pglite')), 'pglite.wasm');
  if (!existsSync(wasm)) return undefined;
  const bytes = readOutsideMallocHeap(wasm);
  const own = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].join(' ');
  if (compiler === 'optimizing' || WASM_FLAGS.test(own)) return wasmApi.compile(bytes);
  setFlagsFromString('--liftoff-only');
  try {
    return await wasmApi.compile(bytes);
  } finally {
    setFlagsFromString('--no-liftoff-only');
  }
}

/** glibc's largest `mmap` threshold (64-bit): a freed mapping of this size or less raises it. */
const MMAP_THRESHOLD_MAX = 32 * 1024 * 1024;

/**
 * The file's bytes, in a buffer of more than 32 MiB of which only the file's pages are touched.
 *
 * glibc serves an allocation this large with its own mapping, and when one of up to 32 MiB is freed it
 * raises its threshold for using mappings to that size (and the threshold for giving memory back to
 * twice that) for the life of the process. Freed after compiling, the 9 MB of `pglite.wasm` (PGlite
 * reads it the same way, whole) made every later allocation below 9 MB come from the main heap, which
 * then kept up to 18 MB of freed memory: the job's `[heap]` grew from 20 to 35 MB over 20,000 accounts.
 * A mapping above 32 MiB leaves the thresholds as they are: 13 MB after 5,000 accounts, against 34.
 */
function readOutsideMallocHeap(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const { size } = fstatSync(fd);
    const buffer = Buffer.allocUnsafeSlow(Math.max(size, MMAP_THRESHOLD_MAX) + 1024 * 1024);
    let read = 0;
    while (read < size) {
      const n = readSync(fd, buffer, read, size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read);
  } finally {
    closeSync(fd);
  }
}
