/**
 * The Marathon reader: app definitions, `POST /v2/apps` arrays and (nested) groups, one
 * container fragment per app with every entry pointing at its line in the JSON.
 *
 * @example
 * ```ts
 * const result = marathonReader.read({ path: 'marathon/group.json', text });
 * result.containers[0]?.key; // { name: '/tools/oauth-server', scope: '/tools', image: '…' }
 * ```
 */
import type { FileReader } from '../../model/fragments.js';
import { extractMarathon } from './extract.js';

const ID = /"id"\s*:/;
const MARATHON_KEY = /"(?:container|cmd|apps|groups|instances)"\s*:/;
const API_VERSION = /"apiVersion"\s*:/;

export const marathonReader = {
  type: 'marathon',
  version: '2',
  input: 'text',
  named(path: string): boolean {
    return /\.json$/i.test(path);
  },
  matches(path: string, head: string): boolean {
    return /\.json$/i.test(path) && ID.test(head) && MARATHON_KEY.test(head) && !API_VERSION.test(head);
  },
  read: extractMarathon,
} satisfies FileReader;
