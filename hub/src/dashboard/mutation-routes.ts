import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { API_VERSION, type RolloutCommand } from '@driftless/core';
import { z } from 'zod';
import type { AuditLog } from '../audit/audit-log.js';
import { freezeFleet, unfreezeFleet } from '../control/fleet-freeze.js';
import { clearFlagOverride, setFlagOverride, type FlagOverrideDeps } from '../flags/flag-override.js';
import { ApiFailure, pathParam } from './api-http.js';
import type { MutationResult } from './api-types.js';
import type { DashboardDeps } from './dashboard-listener.js';

/** The largest JSON body a POST may send, bytes: a reason and a few names. */
export const MAX_BODY_BYTES = 64 * 1024;

const reason = z.string({ error: 'must be a string saying why' }).refine((s) => s.trim() !== '', 'must say why (it is recorded in the audit log)');
const reasonOnly = z.object({ reason });
// The rollout the person saw: a command never lands on a rollout that superseded it meanwhile (409 RolloutSuperseded).
const rollout = z.string({ error: 'must name the rollout id shown (the command acts on that rollout only)' }).min(1, 'must name the rollout id shown (the command acts on that rollout only)');
const rolloutCommandBody = z.object({ reason, rollout });
const approveBody = rolloutCommandBody.extend({ ring: z.string({ error: 'must name the ring to approve' }).min(1, 'must name the ring to approve') });
const flagBody = z.object({
  reason,
  variant: z.string({ error: 'must name the variant' }).min(1, 'must name the variant'),
  selector: z.string().refine((s) => s.trim() !== '', 'must not be empty (leave it out for every cluster)').optional(),
});

type Mutation = (body: unknown, actor: string) => Promise<MutationResult>;

/** The POST route for `path` (below /api/v1), or undefined when there is none (404). */
export function mutationRoute(deps: DashboardDeps, audit: AuditLog, path: string): Mutation | undefined {
  const done = (actor: string, message: string): MutationResult => ({ ok: true, actor, message });
  const command = async (cmd: RolloutCommand, expectRolloutId: string, said: string): Promise<MutationResult> => {
    await deps.rollouts.command(cmd, { expectRolloutId });
    return done(cmd.actor, `${said} as ${cmd.actor}: ${cmd.reason}`);
  };
  const flags: FlagOverrideDeps = {
    store: deps.store,
    clock: deps.clock,
    audit,
    newId: deps.newId ?? randomUUID,
    ...(deps.signingKey ? { signingKey: deps.signingKey } : {}),
    ...(deps.pointerTtlMs !== undefined ? { pointerTtlMs: deps.pointerTtlMs } : {}),
    log: deps.log ?? (() => undefined),
  };
  const fixed: Record<string, Mutation> = {
    '/freeze': async (body, actor) => {
      const { reason: why } = parseBody(reasonOnly, body);
      const r = await freezeFleet({ store: deps.store, clock: deps.clock, audit }, { apiVersion: API_VERSION, kind: 'Freeze', actor, at: new Date(deps.clock.now()).toISOString(), reason: why });
      return done(actor, r.created ? `froze the fleet as ${actor}: ${why}` : `the fleet was frozen already by ${r.freeze.actor}: ${r.freeze.reason}`);
    },
    '/unfreeze': async (body, actor) => {
      const { reason: why } = parseBody(reasonOnly, body);
      const r = await unfreezeFleet({ store: deps.store, clock: deps.clock, audit }, actor, why);
      return done(actor, r.lifted ? `unfroze the fleet as ${actor}: ${why}` : 'the fleet was not frozen');
    },
    '/rollouts/current/approve': (body, actor) => {
      const b = parseBody(approveBody, body);
      return command({ kind: 'approve', ring: b.ring, actor, reason: b.reason }, b.rollout, `approved ring ${b.ring} of rollout ${b.rollout}`);
    },
    '/rollouts/current/halt': (body, actor) => {
      const b = parseBody(rolloutCommandBody, body);
      return command({ kind: 'halt', actor, reason: b.reason }, b.rollout, `halted rollout ${b.rollout}`);
    },
    '/rollouts/current/resume': (body, actor) => {
      const b = parseBody(rolloutCommandBody, body);
      return command({ kind: 'resume', actor, reason: b.reason }, b.rollout, `resumed rollout ${b.rollout}`);
    },
  };
  const found = fixed[path];
  if (found) return found;
  const flag = /^\/flags\/([^/]+)(\/clear)?$/.exec(path);
  if (!flag?.[1]) return undefined;
  const name = pathParam(flag[1], 'flag');
  if (flag[2]) {
    return async (body, actor) => {
      const { reason: why } = parseBody(reasonOnly, body);
      const r = await clearFlagOverride(flags, { flag: name, actor, reason: why });
      return done(actor, `cleared the override of flag ${name} (${r.variant ?? ''}) on ${r.clusters.length} cluster(s) as ${actor}: ${why}`);
    };
  }
  return async (body, actor) => {
    const b = parseBody(flagBody, body);
    const r = await setFlagOverride(flags, { flag: name, variant: b.variant, actor, reason: b.reason, ...(b.selector !== undefined ? { selector: b.selector } : {}) });
    return done(actor, `set flag ${name} to ${b.variant} on ${r.clusters.length} cluster(s) as ${actor}: ${b.reason}`);
  };
}

/** `body` checked against `schema`; 400 naming the first field that is wrong. */
function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') || 'body';
  throw new ApiFailure(400, `body ${field} failed: ${issue?.message ?? 'not valid'}`, 'InvalidRequest');
}

/**
 * A POST's JSON body, refused before it is read when it is not
 * application/json (415) or larger than MAX_BODY_BYTES (413), and 400 when
 * it is not a JSON object.
 */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') throw new ApiFailure(415, `body read failed: Content-Type must be application/json, not ${JSON.stringify(type ?? '')}`, 'UnsupportedMediaType');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new ApiFailure(413, `body read failed: more than ${MAX_BODY_BYTES} bytes`, 'TooLarge');
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (err) {
    throw new ApiFailure(400, `body read failed: not JSON: ${(err as Error).message}`, 'InvalidRequest');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiFailure(400, 'body read failed: must be a JSON object', 'InvalidRequest');
  return body;
}
