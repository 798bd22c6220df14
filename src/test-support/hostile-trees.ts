/** Hostile directory trees, generated at test time (nothing large is committed). Test support only. */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A FIFO at `file`: opening it for reading without O_NONBLOCK would wait for a writer forever. */
export function mkfifo(file: string): void {
  execFileSync('mkfifo', [file]);
}

/** `count` empty files spread over directories of `perDir` files each. */
export function manyFiles(root: string, count: number, perDir = 1000): void {
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, `d${Math.floor(i / perDir)}`);
    if (i % perDir === 0) mkdirSync(dir, { recursive: true });
    closeSync(openSync(path.join(dir, `f${i}.txt`), 'w'));
  }
}

/** A chain of `depth` nested directories below `root` (`root/d/d/…`); returns the deepest. */
export function deepChain(root: string, depth: number): string {
  const deepest = path.join(root, ...Array.from({ length: depth }, () => 'd'));
  mkdirSync(deepest, { recursive: true });
  return deepest;
}

/** Links that loop (to a parent, to themselves, to each other) and one pointing outside the tree. */
export function symlinkLoops(dir: string): void {
  mkdirSync(dir, { recursive: true });
  symlinkSync('..', path.join(dir, 'up'));
  symlinkSync('self', path.join(dir, 'self'));
  symlinkSync('b.yaml', path.join(dir, 'a.yaml'));
  symlinkSync('a.yaml', path.join(dir, 'b.yaml'));
  symlinkSync('/etc/hostname', path.join(dir, 'Dockerfile'));
}

export const POD_YAML = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: web:1\n';

/** Manifests where no manifest may be found: a hidden directory, node_modules, a symlink loop, a FIFO. */
export function hostileExtras(root: string): void {
  mkdirSync(path.join(root, '.hidden'), { recursive: true });
  writeFileSync(path.join(root, '.hidden', 'Dockerfile'), 'FROM alpine\n');
  writeFileSync(path.join(root, '.hidden', 'pod.yaml'), POD_YAML);
  mkdirSync(path.join(root, 'node_modules', 'dep'), { recursive: true });
  writeFileSync(path.join(root, 'node_modules', 'dep', 'Dockerfile'), 'FROM alpine\n');
  writeFileSync(path.join(root, 'node_modules', 'dep', 'pod.yaml'), POD_YAML);
  writeFileSync(path.join(root, 'node_modules', 'dep', 'package.json'), '{"name":"dep","version":"1.0.0"}');
  symlinkLoops(path.join(root, 'loops'));
  mkdirSync(path.join(root, 'pipe'), { recursive: true });
  mkfifo(path.join(root, 'pipe', 'Dockerfile'));
  mkfifo(path.join(root, 'pipe', 'compose.yaml'));
}
