import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import rulesFile from './rules.json' with { type: 'json' };
import { MAX_SECRET_FILE_BYTES, isCredentialFile, secretsAnalyzer, wantsPath } from './index.js';
import { bundledRules, compileRules } from './rules.js';
import { mask, scanText, shannonEntropy } from './scan.js';

// Fixture secrets are built at test time from random bytes and split prefixes, so this file holds
// nothing a secret scanner (ours or anyone's) would flag.
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const rand = (n: number, alphabet = ALNUM) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join('');
const UPPER32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const B64 = `${ALNUM}/+`;
const LAYER = 'sha256:' + 'a'.repeat(64);
const enc = (s: string) => new TextEncoder().encode(s);
const run = (path: string, text: string) => secretsAnalyzer.analyze(path, enc(text), LAYER);
const ids = (path: string, text: string) => (run(path, text).findings ?? []).map((f) => f.id);

const pem = (type: string, body: string) => `-----BEGIN ${type}-----\n${body}\n-----END ${type}-----\n`;

describe('secrets analyzer', () => {
  const rsa = generateKeyPairSync('rsa', {
    modulusLength: 1024,
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const ec = generateKeyPairSync('ec', {
    namedCurve: 'P-256',
    privateKeyEncoding: { type: 'sec1', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const ed = generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const body = () => rand(64, B64) + '\n' + rand(64, B64);
  const PRIV = ['PRIVATE', 'KEY'].join(' ');

  const cases: [string, string, string, string][] = [
    ['RSA (PKCS#1) key', '/root/.ssh/id_rsa', rsa.privateKey, 'CHARTER-SEC-001'],
    ['EC key', '/etc/app/ec.pem', ec.privateKey, 'CHARTER-SEC-001'],
    ['PKCS#8 key', '/app/key.pem', ed.privateKey, 'CHARTER-SEC-001'],
    ['OpenSSH key', '/home/u/.ssh/id_ed25519', pem(`OPENSSH ${PRIV}`, body()), 'CHARTER-SEC-001'],
    ['PGP key block', '/app/secring.asc', pem(`PGP ${PRIV} BLOCK`, `Version: x\n\n${body()}`), 'CHARTER-SEC-001'],
    ['AWS access key id', '/app/config.yaml', `key_id: ${'AKIA'}${rand(16, UPPER32)}\n`, 'CHARTER-SEC-002'],
    [
      'AWS credentials file',
      '/root/.aws/credentials',
      `[default]\naws_access_key_id = ${'ASIA'}${rand(16, UPPER32)}\naws_secret_access_key = ${rand(40, B64)}\n`,
      'CHARTER-SEC-002,CHARTER-SEC-003',
    ],
    [
      'GCP service account',
      '/app/sa.json',
      JSON.stringify({ type: 'service_account', project_id: 'p', private_key_id: rand(40), private_key: pem(PRIV, body()) }, null, 2),
      'CHARTER-SEC-001,CHARTER-SEC-004',
    ],
    ['GitHub classic token', '/app/.github-token', `${'gh'}p_${rand(36)}`, 'CHARTER-SEC-005'],
    ['GitHub fine-grained token', '/app/t.txt', `token=${'github'}_pat_${rand(82, ALNUM + '_')}`, 'CHARTER-SEC-005'],
    ['GitLab token', '/app/ci.sh', `export T=${'glpat'}-${rand(20)}\n`, 'CHARTER-SEC-006'],
    ['Slack bot token', '/app/slack.cfg', `${'xoxb'}-${rand(11, '0123456789')}-${rand(12, '0123456789')}-${rand(24)}`, 'CHARTER-SEC-007'],
    [
      'Slack webhook',
      '/app/notify.py',
      `URL = "https://${'hooks.slack'}.com/services/T${rand(8)}/B${rand(10)}/${rand(24)}"`,
      'CHARTER-SEC-008',
    ],
    ['Stripe live key', '/app/pay.js', `const k = '${'sk'}_live_${rand(24)}';`, 'CHARTER-SEC-009'],
    ['npm token', '/app/publish.sh', `NPM=${'npm'}_${rand(36)}`, 'CHARTER-SEC-010'],
    ['.npmrc authToken', '/root/.npmrc', `//registry.example/:_authToken=${rand(30)}\n`, 'CHARTER-SEC-010'],
    [
      'Docker config auths',
      '/root/.docker/config.json',
      JSON.stringify({ auths: { 'reg.example': { auth: Buffer.from(`u:${rand(12)}`).toString('base64') } } }),
      'CHARTER-SEC-011',
    ],
    ['.env password', '/app/.env', `PORT=3000\nDB_PASSWORD=${rand(14)}\n# API_KEY=commented\n`, 'CHARTER-SEC-012'],
    ['.env.production token', '/srv/.env.production', `export STRIPE_TOKEN="${rand(20)}"\n`, 'CHARTER-SEC-012'],
    [
      'JWT',
      '/app/token.txt',
      `Bearer ${'eyJ'}${Buffer.from('{"alg":"HS256","typ":"JWT"}').toString('base64url').slice(3)}.${Buffer.from(JSON.stringify({ sub: rand(10) })).toString('base64url')}.${rand(43, ALNUM + '_-')}`,
      'CHARTER-SEC-013',
    ],
  ];

  it.each(cases)('%s', (_name, path, text, expected) => {
    const r = run(path, text);
    expect(
      (r.findings ?? [])
        .map((f) => f.id)
        .sort()
        .join(','),
    ).toBe(expected);
    for (const f of r.findings ?? []) {
      expect(f.kind).toBe('secret');
      expect(f.locations[0]).toMatchObject({ artifact: path, path, layer: LAYER });
      expect(f.locations[0]?.line).toBeGreaterThan(0);
    }
  });

  it('never prints a secret: every case, whole output', () => {
    for (const [, path, text] of cases) {
      const out = JSON.stringify(run(path, text));
      // Any 12-character run of the secret material must not appear in the output.
      for (const token of text.match(/[A-Za-z0-9_/+=-]{16,}/g) ?? []) {
        for (let i = 0; i + 12 <= token.length; i += 6) expect(out).not.toContain(token.slice(i, i + 12));
      }
    }
  });

  it('titles show only the public prefix and the key type', () => {
    const gh = run('/a', `${'gh'}p_${rand(36)}`).findings?.[0];
    expect(gh?.title).toBe('GitHub token: ghp_********');
    const key = run('/k.pem', rsa.privateKey).findings?.[0];
    expect(key?.title).toBe('Private key (RSA)');
    const env = run('/app/.env', `DB_PASSWORD=${rand(12)}`).findings?.[0];
    expect(env?.title).toBe('Password or token in an env file (DB_PASSWORD): ********');
    expect(env).toMatchObject({ severity: 'medium', locations: [{ line: 1, column: 13 }] });
  });

  it('reports line and column of the secret, not of the match start', () => {
    const f = run('/root/.aws/credentials', `[default]\n\naws_secret_access_key = ${rand(40, B64)}\n`).findings?.find(
      (x) => x.id === 'CHARTER-SEC-003',
    );
    expect(f?.locations[0]).toMatchObject({ line: 3, column: 25 });
  });

  it.each([
    ['the AWS documentation example key', '/a', `${'AKIA'}IOSFODNN7EXAMPLE`],
    ['a low-entropy AWS-shaped id', '/a', `${'AKIA'}AAAAAAAAAAAAAAAA`],
    ['a public key', '/a.pem', rsa.publicKey],
    ['a key header without key material', '/README.md', `Files start with "-----BEGIN RSA ${PRIV}-----" and end with the END line.`],
    ['an .env variable reference', '/app/.env', 'DB_PASSWORD=${DB_PASSWORD}\nAPI_KEY=$API_KEY\n'],
    ['an .env.example file', '/app/.env.example', `DB_PASSWORD=${rand(14)}\n`],
    ['an .env placeholder', '/app/.env', 'DB_PASSWORD=changeme\nAPI_TOKEN=<your token>\n'],
    ['password= outside an env file', '/app/settings.ini', `password=${rand(14)}\n`],
    ['npmrc auth outside .npmrc', '/app/notes.txt', `_authToken=${rand(30)}\n`],
    ['an unsigned JWT-like string', '/a', `${'eyJ'}hbGciOiJub25lIn0.${'eyJ'}zdWIiOiIxMjM0NTY3ODkwIn0`],
    ['a Stripe publishable key', '/a', `pk_live_${rand(24)}`],
  ])('no finding: %s', (_n, path, text) => {
    expect(ids(path, text)).toEqual([]);
  });

  it('Stripe test keys are low severity', () => {
    expect(run('/a', `${'sk'}_test_${rand(24)}`).findings?.map((f) => [f.id, f.severity])).toEqual([['CHARTER-SEC-009', 'low']]);
  });

  it.each([
    ['/root/.ssh/id_rsa', 100, 0o100600, true],
    ['/app/.env', 10, 0o100644, true],
    ['/app/.env', 10, 0, true],
    ['/app/server.js', 2000, 0o100644, true],
    ['/app/.env', 0, 0o100644, false],
    ['/app/big.log', MAX_SECRET_FILE_BYTES + 1, 0o100644, false],
    ['/app/huge.pem', MAX_SECRET_FILE_BYTES + 1, 0o100644, true],
    ['/app', 4096, 0o040755, false],
    ['/app/link', 10, 0o120777, false],
    ['/usr/lib/x86_64-linux-gnu/libssl.so.3', 100, 0o100644, false],
    ['/usr/local/lib/python3.12/test/keycert.pem', 100, 0o100644, false],
    ['/app/node_modules/agent-base/test/ssl-cert-snakeoil.key', 100, 0o100644, false],
    ['/usr/share/doc/openssl/README', 100, 0o100644, false],
    ['/proc/self/environ', 100, 0o100644, false],
    ['/app/logo.png', 100, 0o100644, false],
    ['/etc/ssl/certs/ca-certificates.crt', 100, 0o100644, false],
    ['/etc/ssl/private/ssl-cert-snakeoil.key', 100, 0o100600, true],
  ])('required(%s, size %d, mode %o) = %s', (path, size, mode, want) => {
    expect(secretsAnalyzer.required(path, { size, mode })).toBe(want);
  });

  it('credential file names are recognised', () => {
    expect(
      [
        '/a/.env',
        '/a/.env.local',
        '/r/.npmrc',
        '/r/.aws/credentials',
        '/r/.docker/config.json',
        '/r/.ssh/id_rsa',
        '/x/server.key',
        '/x/a.pem',
      ].every((p) => isCredentialFile(p)),
    ).toBe(true);
    expect(isCredentialFile('/app/index.js')).toBe(false);
    expect(wantsPath('app/.env')).toBe(true);
  });

  it('binary content is not scanned', () => {
    const bytes = new Uint8Array([0, 1, 2, ...enc(`${'gh'}p_${rand(36)}`)]);
    expect(secretsAnalyzer.analyze('/bin/app', bytes, LAYER)).toEqual({});
  });

  it('caps matches per rule per file with a diagnostic', () => {
    const text = Array.from({ length: 80 }, () => `${'gh'}p_${rand(36)}`).join('\n');
    const r = run('/dump.txt', text);
    expect(r.findings).toHaveLength(50);
    expect(r.diagnostics?.map((d) => d.code)).toEqual(['secrets/too-many-matches']);
  });

  describe('hostile input stays linear', () => {
    const MiB = 1024 * 1024;
    const inputs: [string, string][] = [
      ["1 MiB of 'a'", 'a'.repeat(MiB)],
      ["1 MiB of 'A'", 'A'.repeat(MiB)],
      ['repeated AKIA', 'AKIA'.repeat(MiB / 4)],
      ['repeated key headers', `-----BEGIN RSA ${PRIV}-----`.repeat(Math.floor(MiB / 31))],
      ['headers with near-miss bodies', `-----BEGIN ${PRIV}-----${'A'.repeat(39)}-`.repeat(Math.floor(MiB / 68))],
      ['repeated eyJ', 'eyJ'.repeat(MiB / 3)],
      ['eyJ runs with dots', `eyJ${'a'.repeat(20)}.`.repeat(Math.floor(MiB / 24))],
      ['env lines of secret words', `PASSWORDPASSWORD${'TOKEN'.repeat(20)}`.repeat(Math.floor(MiB / 116))],
      ['one huge env line', `X_PASSWORD${'_'.repeat(MiB)}=x`],
      ['secret_access_key spam', 'secret_access_key='.repeat(Math.floor(MiB / 18))],
      ['slack prefixes', 'xoxb-1234567890-'.repeat(Math.floor(MiB / 16))],
      ['newlines only', '\n'.repeat(MiB)],
    ];
    it.each(inputs)('%s', (_n, text) => {
      for (const path of ['/app/.env', '/root/.npmrc', '/root/.docker/config.json', '/app/data.txt']) {
        const t0 = performance.now();
        secretsAnalyzer.analyze(path, enc(text), LAYER);
        // Generous for a loaded 2-core CI machine; a backtracking blow-up takes minutes, not seconds.
        expect(performance.now() - t0).toBeLessThan(3000);
      }
    });
  });
});

describe('secret rules data', () => {
  it('compiles, and every rule reports a SEC check', () => {
    const rules = bundledRules();
    expect(rules.rules.length).toBeGreaterThan(10);
    for (const r of rules.rules) expect(r.check).toMatch(/^CHARTER-SEC-\d{3}$/);
  });

  it.each([
    ['a bad regex', { regex: '([' }, /private-key\.regex/],
    ['a secret group past the groups', { secretGroup: 5 }, /secretGroup 5/],
    ['an upper-case keyword', { keywords: ['KEY'] }, /lower-case/],
    ['a reveal past the public prefix limit', { reveal: 40 }, /reveal|too_big|<=11/i],
  ])('rejects %s', (_n, change, message) => {
    const bad = structuredClone(rulesFile) as { rules: Record<string, unknown>[] };
    bad.rules[0] = { ...bad.rules[0], ...change };
    expect(() => compileRules(bad)).toThrow(message);
  });

  it('entropy and masking helpers', () => {
    expect(shannonEntropy('aaaa')).toBe(0);
    expect(shannonEntropy('abcd')).toBe(2);
    expect(mask('ghp_abcdefghijklmnop', 4)).toBe('ghp_********');
    expect(mask('short', 4)).toBe('*********'.slice(1));
  });

  it('scanText works without a layer (application directories)', () => {
    const r = scanText('app/.env', `API_KEY=${rand(20)}`, bundledRules());
    expect(r.findings[0]?.locations[0]).toEqual({ artifact: 'app/.env', path: 'app/.env', line: 1, column: 9 });
  });
});
