import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// The child runs the built module (npm test builds first), as `driftless dev up` does.
const REAPER = pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'env', 'reaper.js')).href;

/** False once `pid` is gone or a zombie waiting for a reaper that is not ours. */
function isAlive(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}

async function runOwner(ending: string): Promise<{ pid: number; dir: string; code: number | null; signal: string | null }> {
  const script = `
    import { Reaper } from ${JSON.stringify(REAPER)};
    import { spawn } from 'node:child_process';
    import { mkdtempSync } from 'node:fs';
    import { tmpdir } from 'node:os';
    import { join } from 'node:path';
    const reaper = new Reaper();
    const child = spawn('sleep', ['300'], { stdio: 'ignore' });
    reaper.adoptProcess(child);
    const dir = mkdtempSync(join(tmpdir(), 'driftless-reaper-'));
    reaper.adoptDir(dir);
    process.stdout.write(JSON.stringify({ pid: child.pid, dir }) + '\\n');
    ${ending}
  `;
  const owner = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  owner.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) =>
    owner.once('exit', (c, s) => resolve([c, s])),
  );
  const { pid, dir } = JSON.parse(out) as { pid: number; dir: string };
  return { pid, dir, code, signal };
}

describe('Reaper', () => {
  it.each([
    ['exits without stopping its environment', 'process.exit(3);', { code: 3, signal: null }],
    ['crashes with an uncaught error', "throw new Error('boom');", { code: 1, signal: null }],
    ['is interrupted with Ctrl-C (SIGINT) and handles no signals itself', "process.kill(process.pid, 'SIGINT'); setTimeout(() => {}, 10000);", { code: null, signal: 'SIGINT' }],
  ])('kills owned processes and removes owned directories when the owner %s', async (_what, ending, exit) => {
    expect(existsSync(new URL(REAPER)), 'run `npm run build` first').toBe(true);
    const r = await runOwner(ending);
    expect({ code: r.code, signal: r.signal }).toEqual(exit);
    expect(isAlive(r.pid)).toBe(false);
    expect(existsSync(r.dir)).toBe(false);
  });

  it('reaps on SIGINT when two Reapers live in one process', async () => {
    const r = await runOwner(
      "const other = new Reaper(); other.adoptDir(mkdtempSync(join(tmpdir(), 'driftless-reaper-'))); process.kill(process.pid, 'SIGINT'); setTimeout(() => {}, 10000);",
    );
    expect(r.signal).toBe('SIGINT');
    expect(isAlive(r.pid)).toBe(false);
    expect(existsSync(r.dir)).toBe(false);
  });

  it('leaves a signal to the owner when the owner listens for it, and still reaps at exit', async () => {
    const r = await runOwner(
      "process.on('SIGTERM', () => { process.stderr.write('graceful\\n'); setTimeout(() => process.exit(0), 50); }); process.kill(process.pid, 'SIGTERM'); setTimeout(() => {}, 10000);",
    );
    expect({ code: r.code, signal: r.signal }).toEqual({ code: 0, signal: null });
    expect(isAlive(r.pid)).toBe(false);
    expect(existsSync(r.dir)).toBe(false);
  });
});
