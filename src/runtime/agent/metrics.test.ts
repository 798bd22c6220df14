import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectGolden } from '../../test-support/golden.js';
import { escapeLabelValue, renderMetrics } from './metrics.js';
import { sampleStatus } from './fixtures/status.js';

/**
 * The sample-line grammar of the text format (exposition_formats.md, "Text format details"):
 * metric_name [ "{" label_name "=" `"` label_value `"` { "," … } [ "," ] "}" ] value. A label value
 * is any run of characters but backslash, double quote and line feed, or their escapes.
 */
const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^\\"\n]|\\[\\"n])*"(,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^\\"\n]|\\[\\"n])*")*\})? (NaN|[+-]Inf|-?\d+(\.\d+)?(e[+-]?\d+)?)$/;

describe('Prometheus metrics of the agent status', () => {
  it('renders the status (golden), hostile container names escaped', () => {
    expectGolden(path.join(import.meta.dirname, 'fixtures/metrics.prom'), renderMetrics(sampleStatus()));
  });

  it('writes only lines of the format: HELP and TYPE first, one group a metric, unique series, a final newline', () => {
    const text = renderMetrics(sampleStatus());
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    const seen = new Set<string>();
    const typed = new Set<string>();
    let current = '';
    for (const l of lines) {
      const meta = /^# (HELP|TYPE) (\S+) /.exec(l);
      if (meta) {
        if (meta[1] === 'TYPE') typed.add(meta[2]!);
        expect(meta[2] === current || !seen.has(meta[2]!), `${meta[2]} is split in two groups`).toBe(true);
        current = meta[2]!;
        continue;
      }
      expect(l, 'a sample line').toMatch(SAMPLE);
      const name = l.slice(0, l.search(/[{ ]/));
      expect(name).toBe(current);
      expect(typed.has(name)).toBe(true);
      const series = l.slice(0, l.lastIndexOf(' '));
      expect(seen.has(series), `${series} twice`).toBe(false);
      seen.add(series);
    }
    expect([...typed]).toEqual([
      'charter_agent_containers',
      'charter_container_events_total',
      'charter_container_alerts_total',
      'charter_container_blocked_total',
      'charter_events_total',
      'charter_alerts_total',
      'charter_sensor_up',
      'charter_sensor_restarts_total',
      'charter_sensor_drops_total',
      'charter_agent_start_time_seconds',
    ]);
  });

  it.each([
    ['plain', 'shop-api', 'shop-api'],
    ['backslash', 'a\\b', 'a\\\\b'],
    ['double quote', 'a"b', 'a\\"b'],
    ['line feed', 'a\nb', 'a\\nb'],
    ['all three, and an already escaped-looking text', '\\n"\n', '\\\\n\\"\\n'],
    ['other controls and UTF-8 stay as they are', 'é\u001b\t', 'é\u001b\t'],
  ])('escapes a label value: %s', (_n, raw, escaped) => {
    expect(escapeLabelValue(raw)).toBe(escaped);
  });

  it('a name cannot forge a sample: a newline and a closing quote stay inside the value', () => {
    const status = sampleStatus();
    const forged = { ...status.containers[0]!, name: 'x"} 1\ncharter_sensor_up 0\n#' };
    const text = renderMetrics({ ...status, containers: [forged] });
    expect(text.match(/^charter_sensor_up /gm)).toEqual(['charter_sensor_up ']);
    expect(text).toContain('charter_container_events_total{container="x\\"} 1\\ncharter_sensor_up 0\\n#",charter="api"} 1234\n');
  });

  it('counts every mode (zeros included), sums two entries of one name and charter, and says NaN for an unreadable start', () => {
    const status = sampleStatus();
    const a = status.containers[0]!;
    const text = renderMetrics({ ...status, startedAt: 'yesterday', containers: [a, { ...a, id: 'b'.repeat(64), events: 1 }] });
    expect(text).toContain(
      'charter_agent_containers{mode="learn"} 0\ncharter_agent_containers{mode="monitor"} 0\ncharter_agent_containers{mode="protect"} 2\n',
    );
    expect(text).toContain('charter_container_events_total{container="shop-api",charter="api"} 1235\n');
    expect(text).toContain('charter_agent_start_time_seconds NaN\n');
  });

  it('an agent with nothing watched yet still writes every family', () => {
    const text = renderMetrics({
      startedAt: '2026-12-05T08:00:00.250Z',
      containers: [],
      sensor: { running: false, restarts: 0, drops: 0 },
      alerts: 0,
      events: {},
    });
    expect(text).toContain('# TYPE charter_container_events_total counter\n# HELP charter_container_alerts_total');
    expect(text).toContain('charter_sensor_up 0\n');
    expect(text).toContain('charter_agent_start_time_seconds 1796457600.25\n');
  });
});
