import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { DataDirInUseError, lockDataDir } from './dataDirLock.ts';

const LOCK_MODULE = pathToFileURL(join(import.meta.dirname, 'dataDirLock.ts')).href;

/**
 * A real process that tries the lock: it prints `locked` or `refused <message>`, then holds what it
 * got until its stdin closes (or it is killed).
 */
function contender(dir: string, options: { detachedParent?: boolean; at?: number } = {}): ChildProcess {
  const script = [
    `const { lockDataDir } = await import(${JSON.stringify(LOCK_MODULE)});`,
    // Every contender tries at the same instant, once all of them have loaded.
    'const at = Number(process.argv[3]); while (Date.now() < at) {}',
    'try { await lockDataDir(process.argv[1]); process.stdout.write("locked\\n"); }',
    'catch (error) { process.stdout.write(`refused ${error.message}\\n`); }',
    // Under `sh -c '… &'` stdin is /dev/null: that holder waits to be killed instead.
    'if (process.argv[2] === "hold") setInterval(() => {}, 60_000);',
    'else { process.stdin.resume(); process.stdin.on("end", () => process.exit(0)); }',
  ].join('\n');
  const mode = options.detachedParent ? 'hold' : 'until-stdin-ends';
  const node = [
    process.execPath,
    '--import',
    'tsx',
    '--input-type=module',
    '-e',
    script,
    dir,
    mode,
    String(options.at ?? 0),
  ];
  if (options.detachedParent) {
    // The holder's parent is `sleep`, which never reaps: once killed, the holder stays a zombie.
    const quoted = node.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
    return spawn('sh', ['-c', `${quoted} & echo $! >&2; exec sleep 30`], { stdio: ['pipe', 'pipe', 'pipe'] });
  }
  return spawn(node[0] as string, node.slice(1), { stdio: ['pipe', 'pipe', 'inherit'] });
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += String(chunk);
      const end = out.indexOf('\n');
      if (end >= 0) resolve(out.slice(0, end));
    });
    child.once('exit', (code) => reject(new Error(`contender exited (${code}) before answering: ${out}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

describe('the embedded data directory lock', () => {
  let dir = '';
  const children: ChildProcess[] = [];
  afterEach(async () => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a second holder while the first holds it, naming its pid, and frees on release', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-lock-'));
    const release = await lockDataDir(dir);
    await expect(lockDataDir(dir)).rejects.toThrow(DataDirInUseError);
    await expect(lockDataDir(dir)).rejects.toThrow(`in use by process ${process.pid}`);
    release();
    const again = await lockDataDir(dir);
    again();
  });

  it('ignores a lock file naming this very process (a PID reused after a restart)', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-lock-'));
    await writeFile(join(dir, '.tollgate.lock'), String(process.pid));
    const release = await lockDataDir(dir);
    release();
  });

  it('ignores a lock file naming a live unrelated process', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-lock-'));
    // PID 1 is always alive.
    await writeFile(join(dir, '.tollgate.lock'), '1');
    const release = await lockDataDir(dir);
    release();
  });

  it('grants the lock to exactly one of many processes starting at once, with or without a stale file', async () => {
    for (const stale of [false, true]) {
      dir = await mkdtemp(join(tmpdir(), 'tollgate-lock-'));
      if (stale) await writeFile(join(dir, '.tollgate.lock'), '4194000');
      const at = Date.now() + 3_000;
      const racers = Array.from({ length: 8 }, () => contender(dir, { at }));
      children.push(...racers);
      const answers = await Promise.all(racers.map(firstLine));
      expect(answers.filter((answer) => answer === 'locked')).toHaveLength(1);
      expect(answers.filter((answer) => answer.startsWith('refused'))).toHaveLength(7);
      expect(answers.find((answer) => answer.startsWith('refused'))).toMatch(/in use by process \d+/);
      for (const racer of racers) racer.stdin?.end();
      await Promise.all(racers.map(exited));
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('is free the moment its holder is killed, even while the holder is an unreaped zombie', async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-lock-'));
    const wrapper = contender(dir, { detachedParent: true });
    children.push(wrapper);
    const holderPid = await new Promise<number>((resolve) => {
      wrapper.stderr?.once('data', (chunk: Buffer) => resolve(Number.parseInt(String(chunk), 10)));
    });
    expect(await firstLine(wrapper)).toBe('locked');
    await expect(lockDataDir(dir)).rejects.toThrow(`in use by process ${holderPid}`);
    process.kill(holderPid, 'SIGKILL');
    // Wait until the kernel has made it a zombie: it still "exists" for kill(pid, 0).
    for (let i = 0; i < 100; i++) {
      const state = await import('node:fs/promises').then((fs) =>
        fs.readFile(`/proc/${holderPid}/stat`, 'utf8').catch(() => ''),
      );
      if (state.split(' ')[2] === 'Z') break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    // The leader shows Z as soon as its main thread exits; its other threads (V8's, libuv's) let go of
    // the socket a moment later. Nobody reaps it meanwhile, and the lock must be free all the same.
    let release: (() => void) | undefined;
    for (let i = 0; i < 100 && release === undefined; i++) {
      release = await lockDataDir(dir).catch(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        return undefined;
      });
    }
    expect(() => process.kill(holderPid, 0)).not.toThrow();
    expect(release).toBeTypeOf('function');
    release?.();
  }, 30_000);
});
