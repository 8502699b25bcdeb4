import { describe, expect, it } from 'vitest';
import { costLine, formatCostLine, monthly, S3_LIST_PRICES } from './cost.js';

describe('the cost line', () => {
  it('prices known monthly counts at the list prices: GETs at $0.0004 and PUTs at $0.005 per 1,000', () => {
    expect(monthly(1_000, 87_600, 8_760, S3_LIST_PRICES)).toEqual({
      getPerClusterPerMonth: 87_600,
      putPerClusterPerMonth: 8_760,
      usdPerClusterPerMonth: 0.07884, // 87.6 x 0.0004 + 8.76 x 0.005
      usdFleetPerMonth: 78.84,
    });
  });

  it('scales GETs per interval to 30 s polls over a 730-hour month, and PUTs per hour to the month', () => {
    const c = costLine(10_000, { storeGetPerInterval: 1, storePutPerHour: 24, storeListPerInterval: 0, gitPerInterval: 0 });
    expect(c.store).toEqual({ getPerClusterPerMonth: 87_600, putPerClusterPerMonth: 17_520, usdPerClusterPerMonth: 0.12264, usdFleetPerMonth: 1_226.4, putsFrom: 'measured' });
    expect(c.git).toEqual({ getPerClusterPerMonth: 0, putPerClusterPerMonth: 0, usdPerClusterPerMonth: 0, usdFleetPerMonth: 0 });
  });

  it('counts one heartbeat status write per 5 minutes when the window saw fewer, and says so', () => {
    const c = costLine(1_000, { storeGetPerInterval: 1, storePutPerHour: 0, storeListPerInterval: 0, gitPerInterval: 0 });
    expect(c.store).toMatchObject({ putPerClusterPerMonth: 8_760, usdFleetPerMonth: 78.84, putsFrom: 'heartbeat' });
    expect(formatCostLine(c)).toContain('(PUTs: one per 5 min heartbeat)');
  });

  it("prices git mode's requests as S3 GETs, with no store requests and no heartbeat", () => {
    const c = costLine(1_000, { storeGetPerInterval: 0, storePutPerHour: 0, storeListPerInterval: 0, gitPerInterval: 2 });
    expect(c.store).toMatchObject({ getPerClusterPerMonth: 0, putPerClusterPerMonth: 0, usdFleetPerMonth: 0, putsFrom: 'measured' });
    expect(c.git).toEqual({ getPerClusterPerMonth: 175_200, putPerClusterPerMonth: 0, usdPerClusterPerMonth: 0.07008, usdFleetPerMonth: 70.08 });
    const line = formatCostLine(c);
    expect(line).toContain('git 175,200 requests per cluster = $0.0701 per cluster, $70.08 for 1,000 clusters if priced as S3 GETs');
    expect(line).toContain(`as of ${S3_LIST_PRICES.asOf}: GET $0.0004, PUT $0.005 per 1,000`);
  });
});
