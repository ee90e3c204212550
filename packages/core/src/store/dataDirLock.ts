import { createHash } from 'node:crypto';
import { closeSync, constants, openSync, readFileSync, realpathSync, rmSync, writeSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';

/** Thrown when another live process holds an embedded database. */
export class DataDirInUseError extends Error {
  constructor(dataDir: string, pid: number | undefined) {
    super(
      `The embedded database at ${dataDir} is in use by ${pid === undefined ? 'another process' : `process ${pid}`}. ` +
        'Embedded PGlite serves one process at a time: stop that process, give this one its own data directory, ' +
        'or point both at a Postgres server (the server’s *_DATABASE_URL setting).',
    );
    this.name = 'DataDirInUseError';
  }
}

const LOCK_FILE = '.tollgate.lock';

/**
 * Takes the lock of a PGlite data directory: two processes writing one directory corrupt it, so the
 * second is refused with a clear error. Returns the function that releases it.
 *
 * The lock is one the kernel keeps: it is granted to exactly one process, and released the moment its
 * holder exits, however it exits — no PID file to go stale, so a killed holder that is still a zombie,
 * a PID reused by this very process (PID 1 in a restarted container) or by an unrelated one, and two
 * starts in the same millisecond are all decided correctly.
 * - Linux: a listening Unix socket in the abstract namespace, named after the directory's real path.
 *   Binding is atomic, and the socket closes with the holder's last file descriptor. A second process
 *   connecting to it is told the holder's PID, for the error message. Abstract sockets belong to a
 *   network namespace: two containers with their own network namespaces sharing one volume do not see
 *   each other's lock (give each container its own data directory, or use Postgres).
 * - macOS and the BSDs: `open(2)` with `O_EXLOCK | O_NONBLOCK`, a `flock` taken atomically at open.
 * - Elsewhere (Windows): a PID file created exclusively, whose dead holder's lock is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<() => void> {
  if (process.platform === 'linux') return lockWithAbstractSocket(dataDir);
  if (process.platform === 'darwin' || process.platform.endsWith('bsd')) return lockWithFlock(dataDir);
  return lockWithPidFile(dataDir);
}

function abstractName(dataDir: string): string {
  const digest = createHash('sha256').update(realpathSync(dataDir)).digest('hex').slice(0, 40);
  return `\0tollgate-datadir-${digest}`;
}

async function lockWithAbstractSocket(dataDir: string): Promise<() => void> {
  const name = abstractName(dataDir);
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(String(process.pid));
  });
  server.on('error', () => undefined);
  const bound = await new Promise<true | NodeJS.ErrnoException>((resolve) => {
    server.once('error', resolve);
    server.listen({ path: name, exclusive: true }, () => resolve(true));
  });
  if (bound !== true) {
    if (bound.code === 'EADDRINUSE') throw new DataDirInUseError(dataDir, await holderPid(name));
    throw bound;
  }
  // The lock must never keep a process alive on its own.
  server.unref();
  // A PID file from a release before this lock existed means nothing now.
  rmSync(join(dataDir, LOCK_FILE), { force: true });
  return releaseOnce(() => closeServer(server));
}

function closeServer(server: Server): void {
  server.close();
}

/** Asks the holder of an abstract-socket lock for its PID; undefined when it does not say in time. */
function holderPid(name: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    let answer = '';
    const socket = connect({ path: name });
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      const pid = Number.parseInt(answer, 10);
      resolve(Number.isInteger(pid) && pid > 0 ? pid : undefined);
    };
    const timer = setTimeout(done, 500);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('end', done);
    socket.on('error', done);
  });
}

// Not in Node's fs.constants; the values are the same on macOS and the BSDs.
const O_EXLOCK = 0x20;
const O_NONBLOCK_BSD = 0x4;

function lockWithFlock(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDWR | constants.O_CREAT | O_EXLOCK | O_NONBLOCK_BSD, 0o600);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EAGAIN' || code === 'EWOULDBLOCK') throw new DataDirInUseError(dataDir, readPid(path));
    throw error;
  }
  // The PID is only for the error message of a process that is refused; the lock is the flock.
  writeSync(fd, `${process.pid}\n`, 0);
  return releaseOnce(() => closeSync(fd));
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function lockWithPidFile(dataDir: string): () => void {
  const path = join(dataDir, LOCK_FILE);
  for (let tries = 0; tries < 3; tries++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return releaseOnce(() => rmSync(path, { force: true }));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readPid(path);
      if (holder !== undefined && holder !== process.pid && alive(holder)) {
        throw new DataDirInUseError(dataDir, holder);
      }
      rmSync(path, { force: true });
    }
  }
  throw new Error(`Could not take the lock on ${dataDir}.`);
}

function releaseOnce(release: () => void): () => void {
  let released = false;
  return () => {
    if (released) return;
    released = true;
    release();
  };
}
