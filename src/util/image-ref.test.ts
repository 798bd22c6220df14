import { describe, expect, it } from 'vitest';
import { canonicalImage, imageBasename, parseImageRef, repositoryMatches } from './image-ref.js';

describe('image references', () => {
  it.each([
    ['redis', { repository: 'redis' }],
    ['redis:7-alpine', { repository: 'redis', tag: '7-alpine' }],
    ['docker.io/library/postgres:15', { repository: 'postgres', tag: '15' }],
    ['localhost:5000/shop/api:1.0', { repository: 'shop/api', tag: '1.0' }],
    ['localhost/shop/api', { repository: 'shop/api' }],
    ['gcr.io/google-samples/gb-frontend:v5', { repository: 'google-samples/gb-frontend', tag: 'v5' }],
    ['nginx@sha256:abc', { repository: 'nginx', digest: 'sha256:abc' }],
    ['Registry.Example.com/Team/App:V1', { repository: 'team/app', tag: 'v1' }],
  ])('%s', (ref, expected) => {
    expect(parseImageRef(ref)).toEqual(expected);
  });

  it('compares references the way a user means them', () => {
    expect(canonicalImage('redis')).toBe(canonicalImage('docker.io/library/redis:latest'));
    expect(canonicalImage('redis:6')).not.toBe(canonicalImage('redis:7'));
    expect(imageBasename('localhost/shop/api:1.0')).toBe('api');
    expect(repositoryMatches('bitnami/redis:7', 'redis')).toBe(true);
    expect(repositoryMatches('myredis:7', 'redis')).toBe(false);
  });
});
