import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { memoryAppFs } from './app-fs.js';

// The pool runs the compiled worker, so this test drives the compiled analyzer (`npm test` builds
// first); from TypeScript sources the analyzer parses on the main thread only.
const dist = path.resolve(import.meta.dirname, '../../../dist/nodejs/analyze/index.js');

describe('parser threads', () => {
  it('give the same result as the main thread alone, once an app is large enough to start them', async () => {
    const { analyzeNodeApp } = (await import(dist)) as typeof import('./index.js');
    const files: Record<string, string> = { 'index.js': Array.from({ length: 300 }, (_, i) => `require('./m/${i}.js');`).join('\n') };
    for (let i = 0; i < 300; i++) {
      files[`m/${i}.js`] =
        i % 3 === 0
          ? `const fs = require('fs');\nmodule.exports = () => fs.unlinkSync('/tmp/${i}');\n`
          : i % 3 === 1
            ? `module.exports = (x) => new Function('a', 'return a + ' + x);\nconst s = 'process.kill(' + ${i} + ')';\n`
            : `module.exports = (n) => require('./' + n);\nprocess.binding('tty_wrap');\n`;
    }
    const inline = await analyzeNodeApp({ root: 'app', entry: ['index.js'], fs: memoryAppFs(files) }, { threads: 0 });
    const threaded = await analyzeNodeApp({ root: 'app', entry: ['index.js'], fs: memoryAppFs(files) }, { threads: 2 });
    expect(inline.stats.threads).toBe(0);
    expect(threaded.stats.threads).toBe(2);
    expect(threaded.apis).toEqual(inline.apis);
    expect(threaded.uncertainties).toEqual(inline.uncertainties);
    expect(threaded.reachedFiles).toBe(301);
  }, 60_000);
});
