import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/** Marks Reaper signal handlers, so several Reapers in one process do not defer to each other. */
const REAPER_HANDLER = Symbol('driftless.reaper');

/**
 * Owns the child processes and temporary directories of one environment and
 * guarantees they go away: on {@link Reaper.dispose}, and also when this process
 * exits, or receives SIGINT/SIGTERM/SIGHUP, without dispose having run (a test
 * runner that crashed, a user's Ctrl-C). The handlers are installed only while
 * something is owned. A signal that nobody else listens for is handled by reaping
 * and re-raising it, so the exit status stays what the user expects; where another
 * listener exists, it decides, and the exit handler reaps what it leaves behind.
 */
export class Reaper {
  private readonly children = new Set<ChildProcess>();
  private readonly dirs = new Set<string>();
  private installed = false;
  private readonly onExit = (): void => this.reapNow();
  private readonly onSignal = Object.assign(
    (signal: NodeJS.Signals): void => {
      // Someone other than a Reaper handles this signal (a CLI stopping gracefully, a
      // test runner): leave it to them; the exit handler reaps what they leave behind.
      if (process.listeners(signal).some((l) => !(REAPER_HANDLER in l))) return;
      this.reapNow();
      this.uninstall();
      process.kill(process.pid, signal);
    },
    { [REAPER_HANDLER]: true },
  );

  /** Kill `child` (SIGKILL) if this process goes away first. */
  adoptProcess(child: ChildProcess): void {
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    this.install();
  }

  /** Remove `dir` recursively if this process goes away first, and on dispose. */
  adoptDir(dir: string): void {
    this.dirs.add(dir);
    this.install();
  }

  /** Synchronously kill every owned child and remove every owned directory. */
  reapNow(): void {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    this.children.clear();
    for (const dir of this.dirs) rmSync(dir, { recursive: true, force: true });
    this.dirs.clear();
  }

  /** Remove owned directories (callers stop the processes gracefully first) and the handlers. */
  dispose(): void {
    this.reapNow();
    this.uninstall();
  }

  private install(): void {
    if (this.installed) return;
    this.installed = true;
    process.on('exit', this.onExit);
    for (const s of SIGNALS) process.on(s, this.onSignal);
  }

  private uninstall(): void {
    if (!this.installed) return;
    this.installed = false;
    process.off('exit', this.onExit);
    for (const s of SIGNALS) process.off(s, this.onSignal);
  }
}

const SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

