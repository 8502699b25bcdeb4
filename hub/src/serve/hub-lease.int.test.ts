import { uniqueName } from '@driftless/contracts';
import { s3StoreFor } from '@driftless/testkit';
import { inject } from 'vitest';
import { describeHubLease } from '../testing/hub-lease-cases.js';

const env = inject('driftlessEnv');

describeHubLease('MinIO (S3 conditional writes)', () => s3StoreFor(env, uniqueName('hub-lease')));
