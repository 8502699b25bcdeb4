import type { CliIo } from './main.js';

/** CliIo that keeps what a command prints, for running the CLI in-process (tests, embedding). */
export function captureIo(): CliIo & { out: string; err: string } {
  const io = { out: '', err: '', stdout: (t: string) => void (io.out += t), stderr: (t: string) => void (io.err += t) };
  return io;
}
