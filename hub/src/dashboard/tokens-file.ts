import { readFile } from 'node:fs/promises';
import { DriftlessError } from '@driftless/core';

const LINE = /^([^:\s]+):([0-9a-fA-F]{64})$/;

/**
 * The `--tokens` file's text as the dashboard's tokens map (sha256 hex ->
 * user): one `USER:SHA256_HEX_OF_TOKEN` per line (`printf '%s' "$TOKEN" |
 * sha256sum`), so the file holds no token; blank lines and lines starting
 * with `#` are skipped. A user may have several tokens; a digest listed twice
 * is refused. A bad line is an InvalidDocument naming `file:line` and what is
 * wrong, never the line's text (it may be a token pasted by mistake).
 */
export function parseTokensFile(text: string, file: string): Map<string, string> {
  const tokens = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${file}:${i + 1}`;
    const bad = (why: string): never => {
      throw new DriftlessError('InvalidDocument', `${where}: tokens file read failed: ${why}`, { subject: where, issues: [{ path: '', message: why }] });
    };
    const m = LINE.exec(line);
    if (!m?.[1] || !m[2]) return bad(line.includes(':') ? 'expected USER:SHA256_HEX_OF_TOKEN, the digest being 64 hex digits (printf %s "$TOKEN" | sha256sum)' : 'expected USER:SHA256_HEX_OF_TOKEN (no colon found)');
    const digest = m[2].toLowerCase();
    const other = tokens.get(digest);
    if (other !== undefined) bad(`the same token digest is listed again (also for ${other})`);
    tokens.set(digest, m[1]);
  });
  return tokens;
}

/** Reads and parses the `--tokens` file (see parseTokensFile); a file that cannot be read is an InvalidDocument naming it. */
export async function readTokensFile(file: string): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
    throw new DriftlessError('InvalidDocument', `tokens file ${file} read failed: ${why}`, { subject: file, issues: [{ path: '', message: why }] });
  }
  return parseTokensFile(text, file);
}
