/**
 * The docker-compose reader: one container fragment and one or more service declarations per
 * compose service, every entry pointing back at its line in the file.
 *
 * @example
 * ```ts
 * const result = composeReader.read({ path: 'app/compose.yaml', text });
 * result.containers[0]?.key; // { name: 'web', scope: 'app', image: 'nginx:1.27' }
 * ```
 */
import type { FileReader } from '../../model/fragments.js';
import { extractCompose } from './extract.js';

const COMPOSE_NAME = /^(?:docker-compose[^/]*|compose(?:\.[^/]+)?)\.ya?ml$/i;
const YAML_NAME = /\.ya?ml$/i;
/** A top-level `services:` key (column 0), as opposed to one nested in a Kubernetes manifest. */
const SERVICES_KEY = /^services[ \t]*:/m;
const API_VERSION = /^\s*-?\s*["']?apiVersion["']?\s*:/m;

export const composeReader = {
  type: 'compose',
  version: '2',
  input: 'text',
  named(path: string): boolean {
    return YAML_NAME.test(path.slice(path.lastIndexOf('/') + 1));
  },
  matches(path: string, head: string): boolean {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (COMPOSE_NAME.test(base)) return true;
    return YAML_NAME.test(base) && SERVICES_KEY.test(head) && !API_VERSION.test(head);
  },
  read: extractCompose,
} satisfies FileReader;
