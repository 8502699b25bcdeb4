import { describe, expect, it } from 'vitest';
import { captureIo } from '../capture-io.js';
import { main } from '../main.js';

describe('--cluster', () => {
  it.each(['Prod_1', '../other', 'a/b', '-lead', 'x'.repeat(254)])('refuses %j with exit 2 and a message naming the flag, before touching store or cluster', async (name) => {
    const io = captureIo();
    const code = await main(['agent', '--cluster', name, '--store', 'file:/nonexistent/driftless', '--kubeconfig', '/nonexistent/kubeconfig', '--once'], io);
    expect({ code, err: io.err }).toEqual({
      code: 2,
      err: expect.stringContaining(`--cluster ${JSON.stringify(name)} is not a cluster name: must be a DNS subdomain`) as unknown,
    });
  });
});
