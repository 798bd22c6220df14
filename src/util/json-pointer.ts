/** RFC 6901 JSON pointer for a path of keys and indexes: `~` and `/` inside a segment are escaped as `~0` and `~1`. */
export function toPointer(path: readonly (string | number)[]): string {
  return path.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}
