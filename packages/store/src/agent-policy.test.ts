import { describe, expect, it } from 'vitest';
import { agentStorePolicy } from './agent-policy.js';

describe('agentStorePolicy', () => {
  it('grants GET on the own pointer and on blobs, GET and PUT on the own status, and nothing else', () => {
    expect(agentStorePolicy({ bucket: 'fleet-store', prefix: 'prod/' }, 'eu-prod-001')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'ReadOwnPointerAndBlobs',
          Effect: 'Allow',
          Action: ['s3:GetObject'],
          Resource: ['arn:aws:s3:::fleet-store/prod/clusters/eu-prod-001/desired.json', 'arn:aws:s3:::fleet-store/prod/blobs/sha256/*'],
        },
        { Sid: 'ReadWriteOwnStatus', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: ['arn:aws:s3:::fleet-store/prod/clusters/eu-prod-001/status.json'] },
      ],
    });
  });

  it('works without a prefix', () => {
    expect(agentStorePolicy({ bucket: 'b', prefix: '' }, 'c1').Statement[1]?.Resource).toEqual(['arn:aws:s3:::b/clusters/c1/status.json']);
  });
});
