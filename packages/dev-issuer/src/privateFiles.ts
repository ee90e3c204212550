import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A development issuer that cannot start or answer as configured; the message says what to change. */
export class DevIssuerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DevIssuerError';
  }
}

/**
 * Reads a file that holds a secret (the signing key, client secrets), or `undefined` when it does
 * not exist. A file other users can read is refused rather than used: whoever reads it can mint
 * tokens or act as a client, so a loose mode is a leak to fix, not a warning to scroll past.
 */
export async function readPrivateFile(file: string): Promise<string | undefined> {
  let mode: number;
  try {
    mode = (await stat(file)).mode;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DevIssuerError(`Cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new DevIssuerError(
      `${file} can be read by other users (mode ${(mode & 0o777).toString(8)}); it holds a secret. ` +
        `Run: chmod 600 ${file}`,
    );
  }
  return readFile(file, 'utf8');
}

/**
 * Creates `file` (mode 0600) with `content` unless it already exists; true when this call created
 * it. The content is written aside and hard-linked into place, so a concurrent reader never sees a
 * half-written file and two processes starting together agree on one file instead of each keeping
 * its own.
 */
export async function createPrivateFile(file: string, content: string): Promise<boolean> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const aside = `${file}.${process.pid}.${randomBytes(6).toString('hex')}`;
  await writeFile(aside, content, { mode: 0o600, flag: 'wx' });
  try {
    await link(aside, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new DevIssuerError(`Cannot create ${file}: ${(error as Error).message}`, { cause: error });
  } finally {
    await unlink(aside).catch(() => undefined);
  }
}
