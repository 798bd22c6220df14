/** Charter's own event lines (`charter-events/v1`, docs/events-v1.md): checked against the schema, nothing converted. */
import { EVENT_KINDS } from '../../model/events.js';
import { checkEvent } from '../events/validate.js';
import { rec } from './fields.js';
import { skip, type Conversion, type EventSource } from './types.js';

const KINDS: ReadonlySet<unknown> = new Set(EVENT_KINDS);

function convert(record: unknown): Conversion {
  const c = checkEvent(record);
  return c.ok ? { events: [c.event] } : skip(c.reason);
}

export const charterSource: EventSource = {
  id: 'charter',
  describes: "Charter's own event lines (charter-events/v1)",
  recognises: (record) => {
    const r = rec(record);
    return r !== undefined && KINDS.has(r.kind) && rec(r.container) !== undefined;
  },
  convert,
};
