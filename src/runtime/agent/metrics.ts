/**
 * The agent's status as Prometheus metrics: the text exposition format, version 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/, "Text format details"). Pure: a
 * status in, the page out; the HTTP edge is metrics-server.ts.
 *
 * Rendered by hand rather than with prom-client: every value here is a snapshot the agent already
 * counts (AgentStatus), while prom-client is built around metric objects updated in place in a
 * registry, which would mean copying the status into it before every scrape. The format needs ~60
 * lines and one escaping rule; a golden file pins it.
 *
 * What the format asks, and how it is met:
 * - one `# HELP` and one `# TYPE` line per metric, before its samples, all its samples in one group;
 * - label values escape backslash, double quote and line feed (`\\`, `\"`, `\n`) and may hold any
 *   other UTF-8, so container names taken from podman cannot break a line or forge a sample;
 * - each line's name and label set is unique: containers are keyed by name and charter container,
 *   and two entries that share both (podman never names two running containers alike) are summed;
 * - counters end in `_total` and start at 0 when the agent starts (Prometheus sees a reset);
 * - lines end with `\n`, the last one too. Output is sorted, so two scrapes of one state are equal.
 */
import { MODES } from '../../model/verdicts.js';
import type { AgentStatus } from './types.js';

/** The Content-Type the format's version is negotiated by. */
export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** A label value as the format writes it between double quotes. */
export function escapeLabelValue(value: string): string {
  return value.replace(/[\\"\n]/g, (c) => (c === '\\' ? '\\\\' : c === '"' ? '\\"' : '\\n'));
}

/** HELP text escapes backslash and line feed only (a double quote is fine there). */
function escapeHelp(text: string): string {
  return text.replace(/[\\\n]/g, (c) => (c === '\\' ? '\\\\' : '\\n'));
}

type Labels = readonly (readonly [string, string])[];

interface Family {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly samples: readonly { readonly labels: Labels; readonly value: number }[];
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Go's ParseFloat reads integers, decimals and exponents alike; non-finite values are spelt its way. */
function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function renderFamily(f: Family): string {
  const lines = [`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`];
  for (const s of f.samples) {
    const labels = s.labels.length === 0 ? '' : `{${s.labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`;
    lines.push(`${f.name}${labels} ${formatValue(s.value)}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Per-container counts keyed by (name, charter container), summed where two entries share both. */
function perContainer(status: AgentStatus): { labels: Labels; events: number; alerts: number; blocked: number }[] {
  const byKey = new Map<string, { labels: Labels; events: number; alerts: number; blocked: number }>();
  for (const c of status.containers) {
    const charter = c.charter?.container ?? '';
    const key = `${c.name}\u0000${charter}`;
    const have = byKey.get(key);
    if (have) {
      have.events += c.events;
      have.alerts += c.alerts;
      have.blocked += c.blocked;
    } else {
      byKey.set(key, {
        labels: [
          ['container', c.name],
          ['charter', charter],
        ],
        events: c.events,
        alerts: c.alerts,
        blocked: c.blocked,
      });
    }
  }
  return [...byKey.entries()].sort(([a], [b]) => compare(a, b)).map(([, v]) => v);
}

/**
 * The metrics page for one status. `charter_agent_start_time_seconds` is read from
 * `status.startedAt` (RFC 3339); NaN when the agent gave an unreadable time, never a made-up one.
 */
export function renderMetrics(status: AgentStatus): string {
  const containers = perContainer(status);
  const modes = MODES.map((mode) => ({
    labels: [['mode', mode]] as Labels,
    value: status.containers.filter((c) => c.mode === mode).length,
  }));
  const kinds = Object.entries(status.events)
    .sort(([a], [b]) => compare(a, b))
    .map(([kind, n]) => ({ labels: [['kind', kind]] as Labels, value: n }));
  const families: Family[] = [
    { name: 'charter_agent_containers', type: 'gauge', help: 'Containers the agent watches, by mode.', samples: modes },
    {
      name: 'charter_container_events_total',
      type: 'counter',
      help: 'Events judged for one container (label charter: the charter container it was matched to, empty when none).',
      samples: containers.map((c) => ({ labels: c.labels, value: c.events })),
    },
    {
      name: 'charter_container_alerts_total',
      type: 'counter',
      help: 'Deviations alerted for one container.',
      samples: containers.map((c) => ({ labels: c.labels, value: c.alerts })),
    },
    {
      name: 'charter_container_blocked_total',
      type: 'counter',
      help: 'Operations denied or processes stopped in one container.',
      samples: containers.map((c) => ({ labels: c.labels, value: c.blocked })),
    },
    { name: 'charter_events_total', type: 'counter', help: 'Events the engine judged, by kind.', samples: kinds },
    { name: 'charter_alerts_total', type: 'counter', help: 'Alerts the agent committed.', samples: [{ labels: [], value: status.alerts }] },
    {
      name: 'charter_sensor_up',
      type: 'gauge',
      help: 'Whether the kernel sensor is running (1) or not (0).',
      samples: [{ labels: [], value: status.sensor.running ? 1 : 0 }],
    },
    {
      name: 'charter_sensor_restarts_total',
      type: 'counter',
      help: 'Times the kernel sensor was restarted.',
      samples: [{ labels: [], value: status.sensor.restarts }],
    },
    {
      name: 'charter_sensor_drops_total',
      type: 'counter',
      help: 'Events the kernel sensor lost (ring buffer full).',
      samples: [{ labels: [], value: status.sensor.drops }],
    },
    {
      name: 'charter_agent_start_time_seconds',
      type: 'gauge',
      help: 'When the agent started, in seconds since the Unix epoch.',
      samples: [{ labels: [], value: Date.parse(status.startedAt) / 1000 }],
    },
  ];
  return families.map(renderFamily).join('');
}
