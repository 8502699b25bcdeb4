import { storeLayout } from '@driftless/core';

/** An IAM policy document (S3 and MinIO read the same JSON). */
export interface IamPolicy {
  readonly Version: '2012-10-17';
  readonly Statement: readonly {
    readonly Sid: string;
    readonly Effect: 'Allow';
    readonly Action: readonly string[];
    readonly Resource: readonly string[];
  }[];
}

/**
 * The least privilege one cluster's agent needs on `s3://bucket/prefix`: GET
 * its own pointer and any blob, GET and PUT its own status (its last status is
 * one of the records its replay floor is taken from), nothing else: no listing,
 * no other cluster's documents, no pointer writes, no deletes. Attach it to
 * that cluster's IAM user or role (S3), or to its MinIO user or a session
 * (MinIO). `cluster` must be a valid cluster name (it is not escaped).
 * MinIO answers a GET of the agent's own pointer not yet published with 404
 * (the agent waits); AWS S3, without `s3:ListBucket`, answers 403, so there the
 * agent reports the read refused until the hub publishes its pointer.
 */
export function agentStorePolicy(location: { readonly bucket: string; readonly prefix: string }, cluster: string): IamPolicy {
  const base = location.prefix.replace(/^\/+|\/+$/g, '');
  const arn = (key: string): string => `arn:aws:s3:::${location.bucket}/${base === '' ? '' : `${base}/`}${key}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ReadOwnPointerAndBlobs', Effect: 'Allow', Action: ['s3:GetObject'], Resource: [arn(storeLayout.pointer(cluster)), arn(`${storeLayout.blobsPrefix}*`)] },
      { Sid: 'ReadWriteOwnStatus', Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [arn(storeLayout.status(cluster))] },
    ],
  };
}
