import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync } from 'node:fs';
import { tailOfFile } from '../util/text.js';
import type { Reaper } from './reaper.js';

/** Thrown when a component does not start or become ready; the message holds its log tail. */
export class ComponentStartError extends Error {
  readonly code = 'ComponentStartFailed';
  constructor(
    message: string,
    readonly data: { component: string; log: string },
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ComponentStartError';
  }
}

/** A started component process whose output goes to a log file. */
export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly logFile: string;
  /** Resolves when the process has exited, with its exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 5 000); resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** A {@link ComponentStartError} naming this component, with the tail of its log. */
  failure(why: string, cause?: unknown): ComponentStartError;
}

/** Starts `command` with stdout and stderr appended to `logFile`, owned by `reaper`. */
export function startProcess(opts: {
  name: string;
  command: string;
  args: readonly string[];
  logFile: string;
  reaper: Reaper;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}): ManagedProcess {
  const fd = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  opts.reaper.adoptProcess(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('error', () => resolve(-1));
    child.once('exit', (code) => resolve(code));
  });
  const failure = (why: string, cause?: unknown): ComponentStartError =>
    new ComponentStartError(
      `${opts.name} start failed: ${why}\n  command: ${opts.command} ${opts.args.join(' ')}\n  log: ${opts.logFile} (last lines below)\n${tailOfFile(opts.logFile, 25)}`,
      { component: opts.name, log: opts.logFile },
      cause === undefined ? undefined : { cause },
    );
  return {
    name: opts.name,
    child,
    logFile: opts.logFile,
    exited,
    failure,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
