import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { parseTokensFile } from './tokens-file.js';

const digest = (t: string): string => createHash('sha256').update(t).digest('hex');
const A = digest('token-a');
const B = digest('token-b');

describe('parseTokensFile', () => {
  it('maps each digest to its user, skipping comments and blank lines; a user may have several tokens', () => {
    const text = `# operators\n\nalice:${A}\n  bob:${B.toUpperCase()}  \r\n# end\n`;
    expect(parseTokensFile(text, 'tokens.txt')).toEqual(new Map([[A, 'alice'], [B, 'bob']]));
    expect(parseTokensFile(`alice:${A}\nalice:${B}\n`, 't')).toEqual(new Map([[A, 'alice'], [B, 'alice']]));
  });

  it.each([
    ['a raw token instead of a digest', `alice:${A}\nbob:token-b\n`, 'tokens.txt:2', 'SHA256_HEX_OF_TOKEN'],
    ['no colon', `# c\nalice${A}\n`, 'tokens.txt:2', 'no colon'],
    ['a short digest', `alice:${A.slice(1)}`, 'tokens.txt:1', '64 hex digits'],
    ['an empty user', `:${A}`, 'tokens.txt:1', 'SHA256_HEX_OF_TOKEN'],
    ['a digest listed twice', `alice:${A}\n\nbob:${A}`, 'tokens.txt:3', 'also for alice'],
  ])('refuses %s naming file:line, never echoing the line', (_what, text, where, why) => {
    let err: unknown;
    try {
      parseTokensFile(text, 'tokens.txt');
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ code: 'InvalidDocument', message: expect.stringMatching(new RegExp(`^${where}: .*${why}`)) as unknown });
    expect((err as Error).message).not.toContain('token-b');
  });
});
