import { describe, expect, it } from 'vitest';
import * as web from '../../web/src/constants.js';
import { CLUSTER_PHASES, FLEET_PAINTED_MARK } from './api-types.js';

describe('the web UI\'s copy of the API constants', () => {
  it('colours phases in the order the API indexes them, and sets the mark the bench waits for', () => {
    expect([...web.CLUSTER_PHASES]).toEqual(CLUSTER_PHASES);
    expect(web.FLEET_PAINTED_MARK).toBe(FLEET_PAINTED_MARK);
  });
});
