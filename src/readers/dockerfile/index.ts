/**
 * The Dockerfile reader: what the final build stage declares about the container it builds
 * (base image, user, working directory, ports, volumes, environment, entrypoint, healthcheck) and
 * which packages its RUN lines install. User-facing description: ./README.md.
 */
import type { FileReader } from '../../model/fragments.js';
import { extract } from './extract.js';

const NAMES = /^(?:dockerfile|containerfile)$|\.(?:dockerfile|containerfile)$/i;
/** `Dockerfile.prod`: only with the conventional capital, so `dockerfile.ts` stays source code. */
const PREFIXED = /^(?:Dockerfile|Containerfile)\./;
/** `Dockerfile.dockerignore` is BuildKit's per-Dockerfile ignore file, not a Dockerfile. */
const NOT_DOCKERFILES = /\.(?:dockerignore|md)$/i;

/**
 * @example
 * dockerfileReader.matches('services/api/Dockerfile', '') // true
 * dockerfileReader.read({ path: 'services/api/Dockerfile', text: 'FROM node:20\nEXPOSE 3000\n' })
 */
export const dockerfileReader = {
  type: 'dockerfile',
  version: '1',
  input: 'text',
  named(path: string): boolean {
    const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
    return (NAMES.test(base) || PREFIXED.test(base)) && !NOT_DOCKERFILES.test(base);
  },
  matches(path: string, _head: string): boolean {
    return dockerfileReader.named(path);
  },
  read(input) {
    return extract(input.path, input.text, input.invalidUtf8);
  },
} as const satisfies FileReader;
