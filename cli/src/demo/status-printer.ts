import type { StatusLine } from './ring-lines.js';

/** Where the live lines go: a terminal redraws them in place; anything else (a log, CI) gets them printed as they change. */
export interface StatusPrinterOptions {
  readonly write: (text: string) => void;
  readonly tty: boolean;
  /** Wall time, ms: how often an unchanged key is printed again. */
  readonly now: () => number;
  /** Off a terminal, a line whose key did not change is printed at most this often, ms. Default 2 000. */
  readonly everyMs?: number;
}

/** The demo's two outputs: the live block of lines, and permanent lines above it. */
export interface StatusPrinter {
  readonly status: (lines: readonly StatusLine[]) => void;
  readonly log: (line: string) => void;
}

/**
 * On a terminal, `status` redraws its block of lines in place and `log`
 * leaves the block on screen and prints below it (the next `status` starts
 * a new block). Otherwise each line of the block is printed when its key
 * changed, or when its text changed and it was last printed `everyMs` ago:
 * a log keeps every phase change without a line per tick.
 */
export function createStatusPrinter(opts: StatusPrinterOptions): StatusPrinter {
  const everyMs = opts.everyMs ?? 2_000;
  let shown: readonly string[] = [];
  const printed: { text: string; key: string; at: number }[] = [];
  return {
    status: (lines) => {
      const texts = lines.map((l) => l.text);
      if (texts.join('\n') === shown.join('\n')) return;
      if (opts.tty) {
        const up = shown.length > 1 ? `\x1b[${shown.length - 1}A` : '';
        opts.write(`${up}\r\x1b[J${texts.join('\n')}`);
        shown = texts;
        return;
      }
      shown = texts;
      lines.forEach((line, i) => {
        const last = printed[i];
        const now = opts.now();
        if (last?.text === line.text || (last?.key === line.key && now - last.at < everyMs)) return;
        printed[i] = { text: line.text, key: line.key, at: now };
        opts.write(`${line.text}\n`);
      });
    },
    log: (line) => {
      if (opts.tty && shown.length > 0) opts.write('\n');
      shown = [];
      opts.write(`${line}\n`);
    },
  };
}
