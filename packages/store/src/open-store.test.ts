import { describe, expect, it } from 'vitest';
import { isDriftlessError } from '@driftless/core';
import { parseStoreUrl } from './open-store.js';

describe('parseStoreUrl', () => {
  it.each([
    ['file:relative/dir', { kind: 'file', dir: '/work/relative/dir' }],
    ['file:/abs/dir', { kind: 'file', dir: '/abs/dir' }],
    ['file:///abs/dir', { kind: 'file', dir: '/abs/dir' }],
    ['s3://fleet-bucket', { kind: 's3', bucket: 'fleet-bucket', prefix: '' }],
    ['s3://fleet-bucket/prod/eu/', { kind: 's3', bucket: 'fleet-bucket', prefix: 'prod/eu' }],
  ])('reads %s', (url, expected) => {
    expect(parseStoreUrl(url, '/work')).toEqual(expected);
  });

  it.each([
    ['http://example.invalid/bucket', 'unknown scheme'],
    ['file:', 'no directory after file:'],
    ['s3://', 'is not a bucket name'],
    ['s3://Bad_Bucket/x', 'is not a bucket name'],
    ['s3://bucket/a/../b', 'may not contain . or .. segments'],
  ])('refuses %s, saying what to use', (url, reason) => {
    let message = '';
    try {
      parseStoreUrl(url, '/work');
    } catch (err) {
      if (isDriftlessError(err, 'InvalidStoreConfig')) message = err.message;
    }
    expect(message).toContain(reason);
    expect(message).toContain('use file:DIR (a local directory) or s3://BUCKET[/PREFIX]');
  });
});
