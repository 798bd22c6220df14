import { describe, expect, it } from 'vitest';
import { builtinModules } from 'node:module';
import { analyzeNodeApp } from './index.js';
import { memoryAppFs } from './app-fs.js';

describe('a package.json that cannot be used', () => {
  it.each([
    ['broken JSON', '{"main": "server.js", broken', /not valid JSON/],
    ['not an object', '["server.js"]', /not a JSON object/],
  ])('%s is reported with its file, and the app is still analysed', async (_what, pkg, message) => {
    const fs = memoryAppFs({ 'package.json': pkg, 'index.js': "require('fs').readFileSync('/etc/hostname')\n" });
    const r = await analyzeNodeApp({ root: 'app', fs }, { builtinModules });
    const u = r.uncertainties.find((x) => x.at.file === 'package.json');
    expect(u?.kind).toBe('unparsed');
    expect(u?.message).toMatch(message);
    expect(r.apis.map((a) => a.api)).toContain('fs.readFileSync');
  });
});
