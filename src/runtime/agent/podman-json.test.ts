/**
 * Podman's JSON as podman 4.3 printed it on this project's hosts (`ps`, `inspect` trimmed to the
 * fields read, `events` lines verbatim), and what does not fit: skipped with a reason, never thrown.
 */
import { describe, expect, it } from 'vitest';
import { parseEventLine, parseInspect, parsePs } from './podman-json.js';

const ID = '0a8cd0e8dc402e7949dc9d69364bb439af80d24ccb0116fae9e986ee6ce639d3';

describe('podman ps', () => {
  it('gives the ids of running containers', () => {
    // Measured: `podman ps --format json --no-trunc`, one container (fields the agent does not read trimmed).
    const out = JSON.stringify([
      {
        AutoRemove: false,
        Command: ['sleep', '600'],
        Id: ID,
        Image: 'localhost/agent-meas/bb:1',
        ImageID: '346b5adf3c9162a74d6b97274ab72c6ede4727b085858d78d9f72239eebbfb7c',
        Labels: { a: 'b' },
        Names: ['agent-meas-c1'],
        Pid: 14192,
        State: 'running',
      },
      { Id: 'not-an-id', State: 'running' },
      { Id: 'f'.repeat(64), State: 'exited' },
    ]);
    expect(parsePs(out)).toEqual([ID]);
    expect(parsePs('[]')).toEqual([]);
    expect(() => parsePs('{}')).toThrow(/no JSON array/);
  });
});

describe('podman inspect', () => {
  // Measured with `podman run -d --label a=b --network none`, trimmed to the fields read.
  const measured = {
    Id: ID,
    Name: 'agent-meas-c1',
    Image: '346b5adf3c9162a74d6b97274ab72c6ede4727b085858d78d9f72239eebbfb7c',
    ImageDigest: 'sha256:5c1b73f302495398f1625025edc32830a716dcdf0b13aab12b74daa00c76fa10',
    ImageName: 'localhost/agent-meas/bb:1',
    State: { Status: 'running', Running: true, Pid: 14192, CgroupPath: `/libpod_parent/libpod-${ID}` },
    Config: { Labels: { a: 'b' }, Image: 'localhost/agent-meas/bb:1' },
    NetworkSettings: { IPAddress: '', GlobalIPv6Address: '' },
  };

  it('makes a RunningContainer of what podman says', () => {
    expect(parseInspect(JSON.stringify([measured]))).toEqual([
      {
        container: {
          id: ID,
          name: 'agent-meas-c1',
          image: 'localhost/agent-meas/bb:1',
          imageId: '346b5adf3c9162a74d6b97274ab72c6ede4727b085858d78d9f72239eebbfb7c',
          imageDigest: 'sha256:5c1b73f302495398f1625025edc32830a716dcdf0b13aab12b74daa00c76fa10',
          pid: 14192,
          labels: { a: 'b' },
        },
        running: true,
        cgroupPath: `/libpod_parent/libpod-${ID}`,
      },
    ]);
  });

  it("keeps overlay's writable layer (UpperDir, as measured), and nothing for another driver or a relative path", () => {
    const upper = '/var/lib/containers/storage/overlay/045b4fd42f7da84018d458fac265fb70066e1abb78d9ab2bc04d41bf3784eed9/diff';
    const withLayer = { ...measured, GraphDriver: { Name: 'overlay', Data: { LowerDir: '/x/diff', UpperDir: upper, WorkDir: '/x/work' } } };
    expect(parseInspect(JSON.stringify([withLayer]))[0]?.container.upperDir).toBe(upper);
    const vfs = { ...measured, GraphDriver: { Name: 'vfs', Data: { UpperDir: upper } } };
    expect(parseInspect(JSON.stringify([vfs]))[0]?.container.upperDir).toBeUndefined();
    const relative = { ...measured, GraphDriver: { Name: 'overlay', Data: { UpperDir: 'diff' } } };
    expect(parseInspect(JSON.stringify([relative]))[0]?.container.upperDir).toBeUndefined();
  });

  it('collects the addresses of the default network and every named one, once each, and takes null labels as none', () => {
    // The shape podman 4 documents for a container on networks (not measured here: tests make no bridge networks).
    const networked = {
      ...measured,
      Config: { Labels: null },
      NetworkSettings: {
        IPAddress: '10.88.0.5',
        GlobalIPv6Address: '',
        Networks: { podman: { IPAddress: '10.88.0.5' }, shop: { IPAddress: '10.89.0.3', GlobalIPv6Address: 'fd00::3' } },
      },
    };
    const [r] = parseInspect(JSON.stringify([networked]));
    expect(r?.container.addresses).toEqual(['10.88.0.5', '10.89.0.3', 'fd00::3']);
    expect(r?.container.labels).toEqual({});
  });

  it('skips a record that does not fit and says why, keeping the others', () => {
    const why: string[] = [];
    const out = parseInspect(JSON.stringify([{ ...measured, Id: '../../etc' }, { ...measured, State: {} }, measured]), (w) => why.push(w));
    expect(out).toHaveLength(1);
    expect(why).toHaveLength(2);
    expect(why[0]).toMatch(/^podman inspect: a container record that does not fit \(Id:/);
  });

  it('says a stopped container is not running', () => {
    const [r] = parseInspect(JSON.stringify([{ ...measured, State: { Status: 'exited', Running: false, Pid: 0 } }]));
    expect(r?.running).toBe(false);
    expect(r?.container.pid).toBe(0);
  });
});

describe('podman events', () => {
  // Measured: `podman events --format json --filter type=container` around run, exec, stop and rm.
  const line = (status: string, extra = ''): string =>
    `{${extra}"ID":"${ID}","Image":"localhost/agent-meas/bb:1","Name":"agent-meas-c1","Status":"${status}","Time":"2026-12-05T21:59:31.060479717Z","Type":"container","Attributes":{"a":"b"}}`;

  it('is a start on start, a stop on died, cleanup and remove, and nothing on the rest', () => {
    expect(parseEventLine(line('start'))).toEqual({
      action: 'start',
      id: ID,
      name: 'agent-meas-c1',
      status: 'start',
      time: '2026-12-05T21:59:31.060479717Z',
    });
    for (const s of ['died', 'cleanup', 'remove'])
      expect(parseEventLine(line(s, s === 'died' ? '"ContainerExitCode":137,' : ''))).toMatchObject({ action: 'stop', status: s });
    for (const s of ['create', 'init', 'exec', 'exec_died', 'attach', 'pause'])
      expect(parseEventLine(line(s))).toEqual({ skip: `status ${s} changes nothing watched` });
  });

  it('skips what is not a container event of podman', () => {
    expect(parseEventLine('not json')).toEqual({ skip: 'not JSON' });
    expect(parseEventLine('[]')).toEqual({ skip: 'not a podman event record' });
    expect(parseEventLine(line('start').replace('"Type":"container"', '"Type":"image"'))).toEqual({
      skip: 'not a container event (image)',
    });
    expect(parseEventLine(line('start').replace(ID, 'abc'))).toEqual({ skip: 'a container id that is not 64 hex characters' });
  });
});
