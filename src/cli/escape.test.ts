/**
 * Terminal escape sequences in image metadata, manifest values and file names are shown inert by
 * every text output (profile, explain, diff, scan's table, messages on stderr).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packTar, writeOciArchive } from '../readers/oci-image/fixtures/build.js';
import { main, type Io } from './main.js';

const root = mkdtempSync(path.join(tmpdir(), 'charter-cli-escape-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ESC = '\u001b';
// Clear screen, set the window title, a C1 CSI, a right-to-left override, DEL.
const HOSTILE = `${ESC}[2J${ESC}]0;owned\u0007\u009b31m\u202eexe\u007f`;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), isTTY: false };
  return { code: await main(args, io), out, err };
}

function expectInert(text: string): void {
  expect(text).not.toMatch(RAW_CONTROL);
  expect(text).toContain('\\x1b[2J\\x1b]0;owned\\x07\\x9b31m\\u202eexe\\x7f');
}

describe('text output escapes control characters from inputs', () => {
  it('image metadata: User, Entrypoint, labels', async () => {
    const file = path.join(root, 'image.tar');
    const layer = await packTar([{ name: 'bin/app', mode: 0o755, content: 'x' }]);
    await writeOciArchive(file, {
      layers: [layer],
      config: { User: `evil${HOSTILE}`, Entrypoint: [`/bin/app${HOSTILE}`], Labels: { note: HOSTILE } },
    });
    const r = await run(['profile', `oci-archive:${file}`, '--format', 'text', '--no-cache']);
    expect(r.code, r.err).toBe(0);
    expectInert(r.out);
    expect(r.out).toContain('user: evil\\x1b');
  });

  it('manifest values and a file name, on stdout and in diagnostics on stderr', async () => {
    const dir = path.join(root, 'manifests');
    mkdirSync(dir);
    const yamlHostile = '\\e[2J\\e]0;owned\\a\\x9b31m\\u202eexe\\x7f';
    writeFileSync(
      path.join(dir, `pod${HOSTILE}.yaml`),
      `apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: "nginx:1.27${yamlHostile}"\n      command: ["/bin/sh${yamlHostile}"]\n      securityContext: {privileged: true}\n`,
    );
    writeFileSync(path.join(dir, `broken${HOSTILE}.yaml`), 'apiVersion: v1\nkind: Pod\nspec: [\n');
    const profile = await run(['profile', dir, '--format', 'text']);
    expectInert(profile.out);
    expect(profile.out).toContain('image nginx:1.27\\x1b[2J');
    expect(profile.err).not.toMatch(RAW_CONTROL);
    expect(profile.err).toContain('broken\\x1b[2J');

    const scan = await run(['scan', dir, '--offline', '--db', path.join(root, 'v.db')]);
    expect(scan.code, scan.err).toBe(1);
    expectInert(scan.out);
    expect(scan.err).not.toMatch(RAW_CONTROL);
  });

  it('explain, diff and error messages', async () => {
    const dir = path.join(root, 'app');
    mkdirSync(dir);
    const yamlHostile = '\\e[2J\\e]0;owned\\a\\x9b31m\\u202eexe\\x7f';
    writeFileSync(
      path.join(dir, 'compose.yaml'),
      `services:\n  web:\n    image: nginx:1.27\n    user: "www${yamlHostile}"\n    ports: ["8080:80"]\n`,
    );
    const profile = path.join(root, 'p.json');
    const made = await run(['profile', dir, '-o', profile]);
    expect(made.code, made.err).toBe(0);
    const all = await run(['explain', profile]);
    expect(all.code, all.err).toBe(0);
    expectInert(all.out);
    const notFound = await run(['explain', profile, `exec:${HOSTILE}`]);
    expect(notFound.code).toBe(1);
    expectInert(notFound.out);
    const emptyProfile = path.join(root, 'e.json');
    writeFileSync(path.join(root, 'Dockerfile'), 'FROM alpine\n');
    expect((await run(['profile', path.join(root, 'Dockerfile'), '-o', emptyProfile])).code).toBe(0);
    const diff = await run(['diff', emptyProfile, profile]);
    expect(diff.out).not.toMatch(RAW_CONTROL);
    const missing = await run(['explain', path.join(root, `missing${HOSTILE}.json`)]);
    expect(missing.code).toBe(2);
    expectInert(missing.err);
  });
});
