/** Writing results: to stdout, or atomically to a file so a failed run never leaves half a profile. */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';

export async function writeAtomic(path: string, content: string): Promise<void> {
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${randomBytes(6).toString('hex')}.tmp`);
  await writeFile(tmp, content, { mode: 0o644 });
  await rename(tmp, target);
}

export async function emitOutput(content: string, outFile: string | undefined, stdout: (s: string) => void): Promise<void> {
  if (outFile) await writeAtomic(outFile, content);
  else stdout(content);
}
