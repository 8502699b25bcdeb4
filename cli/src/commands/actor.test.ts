import { hostname, userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { dashboardUser, resolveActor } from './actor.js';

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

describe('dashboardUser', () => {
  it('is DRIFTLESS_ACTOR, else the OS user without a hostname', () => {
    expect(dashboardUser({ DRIFTLESS_ACTOR: 'alice' })).toBe('alice');
    expect(dashboardUser({ DRIFTLESS_ACTOR: ' ' })).toBe(userInfo().username);
    expect(dashboardUser({})).toBe(userInfo().username);
  });
});
