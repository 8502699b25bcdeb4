export { createHubLease, DEFAULT_HUB_LEASE_MS, hubLeaseSchema, type HubLease, type HubLeaseDocument, type HubLeaseOptions } from './hub-lease.js';
export { createHubServer, type ActionRun, type CompileTarget, type HubHealth, type HubServer, type HubServerDeps, type HubServerEvents } from './hub-server.js';
export { hubHttpListener, MAX_WEBHOOK_BYTES, MAX_WEBHOOKS_IN_FLIGHT } from './http-routes.js';
export { webhookAuthorized, type WebhookHeaders } from './webhook-auth.js';
