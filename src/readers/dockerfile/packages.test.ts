import { describe, expect, test } from 'vitest';
import { packagesIn } from './packages.js';
import { programs, shellScriptIndex, simpleCommands } from './shell.js';
import { tokenize, type Lookup } from './words.js';

const lookup: Lookup = (n) => ({ PY: '3.11', CURL_VERSION: '8.5.0-2' })[n];

function pkgs(run: string): string[] {
  const tokens = tokenize(run, 1, 1, { escape: '\\', operators: true });
  return packagesIn(simpleCommands(tokens, lookup)).map((p) => (p.version ? `${p.name}=${p.version}` : p.name));
}

describe('packagesIn', () => {
  test.each([
    ['apt-get update && apt-get install -y --no-install-recommends curl git=1:2.39.2-1.1', ['curl', 'git=1:2.39.2-1.1']],
    ['apt-get -y -o Dpkg::Options::=--force-confnew install nginx', ['nginx']],
    ['apt-get install -o APT::Install-Recommends=false -t bookworm-backports golang/bookworm-backports', ['golang']],
    ['DEBIAN_FRONTEND=noninteractive apt install -yq tzdata; rm -rf /var/lib/apt/lists/*', ['tzdata']],
    ['sudo -E apt-get install -y curl=${CURL_VERSION}', ['curl=8.5.0-2']],
    ['apt-get install -y $UNKNOWN jq', ['jq']],
    ['apt-get remove -y curl', []],
    ['apk add --no-cache --virtual .build-deps gcc musl-dev && apk del .build-deps', ['gcc', 'musl-dev']],
    ['apk add -U bash=5.2.21-r0 "openssl>3.1" tini~0.19', ['bash=5.2.21-r0', 'openssl', 'tini']],
    ['apk --no-cache add -X https://dl-cdn.example/edge/testing ripgrep', ['ripgrep']],
    ['yum install -y --setopt=tsflags=nodocs httpd mod_ssl && yum clean all', ['httpd', 'mod_ssl']],
    ['dnf -y --enablerepo crb install python3-devel @development-tools', ['python3-devel']],
    ['microdnf install -y shadow-utils', ['shadow-utils']],
    ['npm install -g pm2@5.3.1 @nestjs/cli typescript', ['pm2=5.3.1', '@nestjs/cli', 'typescript']],
    ['npm i --global @scope/tool@^2', ['@scope/tool=^2']],
    ['npm install express', []],
    ['npm ci && npm i -g ./local-tool', []],
    [
      'pip install --no-cache-dir -r requirements.txt "gunicorn==21.2.0" flask>=2 uvicorn[standard]',
      ['gunicorn=21.2.0', 'flask', 'uvicorn'],
    ],
    ['python3 -m pip install --upgrade pip setuptools wheel', ['pip', 'setuptools', 'wheel']],
    ['pip3 install -e . ./dist/app-1.0-py3-none-any.whl requests==2.31.0', ['requests=2.31.0']],
    ['pip install numpy==${PY}', ['numpy=3.11']],
    ['if [ -f x ]; then apt-get install -y make; fi', ['make']],
    ['for p in a b; do apt-get install -y $p; done', []],
    ['echo apt-get install curl', []],
  ])('%s', (run, expected) => {
    expect(pkgs(run)).toEqual(expected);
  });

  test('positions point at the package word', () => {
    const tokens = tokenize('apk add \\\n    curl', 7, 5, { escape: '\\', operators: true });
    expect(packagesIn(simpleCommands(tokens, lookup))).toEqual([{ name: 'curl', manager: 'apk', line: 8, column: 5 }]);
  });
});

describe('programs', () => {
  const run = (script: string, env: Lookup = () => undefined) =>
    programs(tokenize(script, 1, 1, { escape: '\\', operators: true }), env).map((p) => [p.path, ...p.args]);

  test.each([
    ['node server.js', [['node', 'server.js']]],
    ['exec gunicorn -b 0.0.0.0:$PORT app:app', [['gunicorn', '-b', '*', 'app:app']]],
    ['cd /app && ./migrate && exec node dist/main.js > /var/log/app.log 2>&1', [['./migrate'], ['node', 'dist/main.js']]],
    ['NODE_OPTIONS=--max-old-space-size=512 node app.js', [['node', 'app.js']]],
    ['curl -f http://localhost:3000/health || exit 1', [['curl', '-f', 'http://localhost:3000/health']]],
    ['echo hi; true', []],
    ['$APP_BIN --serve', []],
  ])('%s', (script, expected) => {
    expect(run(script)).toEqual(expected);
  });

  test('known run-time variables are expanded', () => {
    expect(run('node server.js --port ${PORT:-3000} --host $HOST', (n) => (n === 'HOST' ? '0.0.0.0' : undefined))).toEqual([
      ['node', 'server.js', '--port', '3000', '--host', '0.0.0.0'],
    ]);
  });
});

describe('shellScriptIndex', () => {
  test.each([
    [['/bin/sh', '-c', 'x'], 2],
    [['sh', '-c', 'x'], 2],
    [['/bin/bash', '-o', 'pipefail', '-c', 'x'], 4],
    [['bash', '-euc', 'x'], 2],
    [['bash', 'script.sh'], undefined],
    [['node', '-c', 'x'], undefined],
    [['sh', '-c'], undefined],
  ])('%j → %s', (argv, expected) => {
    expect(shellScriptIndex(argv)).toBe(expected);
  });
});
