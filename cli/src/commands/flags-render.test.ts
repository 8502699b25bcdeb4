import type { FlagReport, FlagReportRow } from '@driftless/hub';
import { describe, expect, it } from 'vitest';
import { renderFlagReport } from './flags-render.js';

const row: FlagReportRow = {
  key: 'checkout',
  type: 'release',
  owner: 'team-shop',
  file: 'flags/checkout.yaml',
  commit: 'c0ffee',
  firstSeen: '2026-11-01T00:00:00.000Z',
  ageDays: 44,
  expires: '2026-12-20',
  variantsByRing: { 'ring-0': ['on'], 'ring-1': ['off', 'on'] },
  health: 'expiring',
};

const { expires: _expires, ...permanent } = row;

describe('renderFlagReport', () => {
  it('prints one line per flag with its variants per ring, override and health, and overrides of flags Git no longer has', () => {
    const report: FlagReport = {
      revision: 'a'.repeat(40),
      flags: [row, { ...permanent, key: 'kill-pay', type: 'kill-switch', ageDays: 3, variantsByRing: { '*': ['off'] }, override: { variant: 'on', actor: 'bob', at: '2026-12-14T00:00:00.000Z', reason: 'incident', selector: 'region=eu', divergesFromGit: true }, health: 'ok' }],
      orphanOverrides: { gone: { variant: 'off', actor: 'carol', at: '2026-12-14T00:00:00.000Z', reason: 'x' } },
    };
    expect(renderFlagReport(report).split('\n')).toEqual([
      'FLAG      TYPE         OWNER      AGE  EXPIRES     VARIANTS                 OVERRIDE                                  HEALTH',
      'checkout  release      team-shop  44d  2026-12-20  ring-0=on ring-1=off,on  -                                         expiring',
      'kill-pay  kill-switch  team-shop  3d   never       *=off                    on by bob (region=eu), diverges from Git  ok',
      'override of gone (off by carol) names a flag the last revision does not have: clear it with driftless flag clear gone',
      '',
    ]);
  });

  it('says when nothing is published', () => {
    expect(renderFlagReport({ flags: [], orphanOverrides: {} })).toBe('no revision published to this store yet\n');
  });
});
