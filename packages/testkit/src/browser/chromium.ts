import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import type { Browser } from 'playwright-core';

/** Where Debian's `chromium` package puts the browser. */
export const DEBIAN_CHROMIUM = '/usr/bin/chromium';

/**
 * The Chromium the browser tests and the dashboard bench drive:
 * `$DRIFTLESS_CHROMIUM`, else Debian's `/usr/bin/chromium`. Browsers are never
 * downloaded (playwright-core ships none): the machine's package is used.
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['DRIFTLESS_CHROMIUM'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : DEBIAN_CHROMIUM;
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

/**
 * Makes sure Chromium is there (`npm run setup`): present, nothing happens;
 * missing at the Debian path and running as root with apt-get, it installs
 * Debian's `chromium` package (about a minute); otherwise it throws a message
 * that says what to install. Idempotent.
 */
export async function ensureChromium(opts: { log?: (line: string) => void; env?: NodeJS.ProcessEnv; signal?: AbortSignal } = {}): Promise<string> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const path = chromiumPath(opts.env);
  if (await executable(path)) {
    log(`setup: chromium present (${path})`);
    return path;
  }
  const canApt = path === DEBIAN_CHROMIUM && process.getuid?.() === 0 && (await executable('/usr/bin/apt-get'));
  if (!canApt) {
    throw new Error(
      `setup: chromium not found at ${path}: install Debian's chromium package (apt-get install chromium) or set DRIFTLESS_CHROMIUM to a Chromium binary; the dashboard's browser tests need it`,
    );
  }
  log('setup: chromium missing: apt-get install -y chromium (Debian package; browsers are never downloaded)');
  const run = (args: string[]): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn('apt-get', args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }, ...(opts.signal ? { signal: opts.signal } : {}) });
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`setup: apt-get ${args.join(' ')} failed with exit code ${code}: ${err.trim()}`))));
    });
  // The package lists may be missing on a fresh image; one update, then the install.
  await run(['install', '-y', '--no-install-recommends', 'chromium']).catch(async () => {
    await run(['update']);
    await run(['install', '-y', '--no-install-recommends', 'chromium']);
  });
  if (!(await executable(path))) throw new Error(`setup: apt-get installed chromium but ${path} is not there`);
  log(`setup: chromium installed (${path})`);
  return path;
}

/**
 * The command-line switches every headless launch gets: no sandbox (tests run
 * as root in a container), no GPU, and no background traffic to Google's
 * services, which this machine's closed network refuses (many at a time).
 */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-default-apps',
  '--disable-extensions',
];

/** Launches headless Chromium ({@link chromiumPath}) through playwright-core, with a fresh profile; close the Browser when done. */
export async function launchChromium(opts: { env?: NodeJS.ProcessEnv } = {}): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const executablePath = chromiumPath(opts.env);
  if (!(await executable(executablePath))) throw new Error(`chromium not found at ${executablePath}: run npm run setup (it installs Debian's chromium package) or set DRIFTLESS_CHROMIUM`);
  return chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
}
