import { compileError } from './yaml-documents.js';

/**
 * The text of a repository file, which must be UTF-8 (as Kubernetes requires
 * of YAML and JSON): a file in another encoding is an `InvalidDocument`
 * error naming `file`, never text with replacement characters in it. A
 * UTF-8 byte order mark is dropped.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (err) {
    const at = firstInvalidByte(bytes);
    throw compileError(file, lineOf(bytes, at), `the file is not UTF-8 text (invalid byte 0x${(bytes[at] ?? 0).toString(16).padStart(2, '0')} at offset ${at}); save it as UTF-8`, err);
  }
}

/** The offset of the first byte of the first invalid UTF-8 sequence. */
function firstInvalidByte(bytes: Uint8Array): number {
  let lo = 0;
  let hi = bytes.length;
  // The longest valid prefix, by bisection: a prefix may only end inside a sequence when it is the invalid one.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  // The valid prefix may end in a sequence left incomplete by the bad byte: point at its lead byte.
  if (decodes(bytes.subarray(0, lo))) return lo;
  let start = lo;
  while (start > 0 && lo - start < 3 && ((bytes[start - 1] ?? 0) & 0xc0) === 0x80) start--;
  return start > 0 && (bytes[start - 1] ?? 0) >= 0xc0 ? start - 1 : lo;
}

function decodes(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function lineOf(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
}
