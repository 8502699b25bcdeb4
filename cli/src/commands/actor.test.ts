import { hostname, userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { resolveActor } from './actor.js';

describe('resolveActor', () => {
  it('prefers --as, then DRIFTLESS_ACTOR, then <os user>@<hostname>', () => {
    expect(resolveActor('alice', { DRIFTLESS_ACTOR: 'bot' })).toBe('alice');
    expect(resolveActor(undefined, { DRIFTLESS_ACTOR: 'bot' })).toBe('bot');
    expect(resolveActor(undefined, {})).toBe(`${userInfo().username}@${hostname()}`);
  });

  it('refuses an empty --as, naming the flag', () => {
    expect(() => resolveActor(' ', {})).toThrow(/^--as must name who acts/);
  });
});
