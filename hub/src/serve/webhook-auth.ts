import { createHmac, timingSafeEqual } from 'node:crypto';

/** The headers a push webhook may carry (lower-case names, as node:http gives them). */
export type WebhookHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * Whether a push webhook comes from who knows `secret`: GitHub's
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body>` or GitLab's
 * `X-Gitlab-Token: <secret>`, compared in constant time. Without a secret
 * every request passes (a push only triggers a poll of the repository, which
 * reads nothing from the request).
 */
export function webhookAuthorized(secret: string | undefined, headers: WebhookHeaders, body: Uint8Array): boolean {
  if (secret === undefined) return true;
  const signature = single(headers['x-hub-signature-256']);
  if (signature !== undefined) {
    const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    return sameText(signature, expected);
  }
  const token = single(headers['x-gitlab-token']);
  return token !== undefined && sameText(token, secret);
}

function single(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function sameText(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  // timingSafeEqual needs equal lengths; a length mismatch says nothing about the secret's bytes.
  return a.length === b.length && timingSafeEqual(a, b);
}
