import type { PreviewRow } from '@driftless/hub';
import { describe, expect, it } from 'vitest';
import { renderPreviews, roughDuration } from './previews-render.js';

const NOW = Date.parse('2026-12-02T06:00:00.000Z');
const row: PreviewRow = {
  branch: 'feature/login',
  slug: 'feature-login',
  commit: '1'.repeat(40),
  namespace: 'pr-feature-login',
  hosts: [
    { cluster: 'h1', phase: 'Applied' },
    { cluster: 'h2', phase: 'Applied' },
  ],
  phase: 'Applied',
  built: true,
  createdAt: '2026-12-01T00:00:00.000Z',
  updatedAt: '2026-12-02T00:00:00.000Z',
  expiresAt: '2026-12-05T00:00:00.000Z',
};

describe('renderPreviews', () => {
  it('says so when there are none', () => {
    expect(renderPreviews({ previews: [], problems: [] }, NOW)).toBe('no previews\n');
  });

  it('prints one row per preview with its age and expiry relative to now', () => {
    expect(renderPreviews({ previews: [row], problems: [] }, NOW).split('\n')).toEqual([
      'BRANCH         COMMIT        HOSTS  NAMESPACE         PHASE    AGE  EXPIRES',
      'feature/login  111111111111  h1,h2  pr-feature-login  Applied  30h  in 3d',
      '',
    ]);
  });

  it.each<[string, Partial<PreviewRow>, RegExp]>([
    ['the only build failed', { phase: 'Failed', built: false, error: 'apps/web/a.yaml:3 bad' }, /Failed \(build\)[\s\S]*feature\/login 111111111111: apps\/web\/a.yaml:3 bad/],
    ['the newest commit failed while an older build runs', { error: 'fleet.yaml:4 bad' }, /Applied \(newest commit failed\)/],
    ['more hosts than fit are counted', { hosts: ['a', 'b', 'c', 'd'].map((cluster) => ({ cluster, phase: 'Applied' as const })) }, /111111111111 {2}4 {2}/],
    ['past its expiry it goes at the next cycle', { expiresAt: '2026-12-02T05:00:00.000Z' }, /at next cycle/],
  ])('%s', (_, over, expected) => {
    expect(renderPreviews({ previews: [{ ...row, ...over }], problems: [] }, NOW)).toMatch(expected);
  });

  it('lists documents it could not read after the table', () => {
    expect(renderPreviews({ previews: [], problems: ['previews/x.json read failed: kind: expected Preview'] }, NOW)).toBe(
      'no previews\npreviews/x.json read failed: kind: expected Preview\n',
    );
  });

  it.each([[0, '0s'], [59_000, '59s'], [90_000, '1m'], [5 * 3600_000, '5h'], [47 * 3600_000, '47h'], [72 * 3600_000, '3d']])('roughDuration(%i) = %s', (ms, text) => {
    expect(roughDuration(ms)).toBe(text);
  });

  it('rounds an expiry: a preview pushed a second ago with ttl 72h expires in 3d, not 2d', () => {
    expect(roughDuration(72 * 3600_000 - 1_000, Math.round)).toBe('3d');
    expect(roughDuration(72 * 3600_000 - 1_000)).toBe('2d');
  });
});
