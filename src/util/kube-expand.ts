/**
 * Kubernetes' `$(VAR)` expansion, as the kubelet applies it to env values, `command` and `args`
 * (k8s.io/kubernetes third_party/forked/golang/expansion/expand.go): `$(NAME)` is replaced by
 * NAME's value when NAME is defined, and kept as written otherwise; `$$` is one `$`; a `$` before
 * anything else, or an unclosed `$(`, stays as written. Substituted text is never expanded again,
 * so references that form a cycle cannot loop.
 */

/**
 * Longest expanded value kept. Each env value may reference earlier ones, so 30 variables that
 * each repeat the previous one twice would reach 2^30 characters; Kubernetes caps a whole object
 * at 1.5 MiB, so a real value never comes near this.
 */
export const MAX_EXPANDED_LENGTH = 64 * 1024;

export interface Expansion {
  text: string;
  /** Names of the defined variables it substituted. */
  used: string[];
  /** True when the result passed MAX_EXPANDED_LENGTH and was cut there. */
  truncated: boolean;
}

export function expandReferences(input: string, lookup: (name: string) => string | undefined): Expansion {
  let out = '';
  const used: string[] = [];
  let checkpoint = 0;
  let truncated = false;
  const append = (s: string): void => {
    if (truncated) return;
    if (out.length + s.length > MAX_EXPANDED_LENGTH) {
      out += s.slice(0, MAX_EXPANDED_LENGTH - out.length);
      truncated = true;
    } else out += s;
  };
  for (let cursor = 0; cursor < input.length && !truncated; cursor++) {
    if (input[cursor] !== '$' || cursor + 1 >= input.length) continue;
    append(input.slice(checkpoint, cursor));
    const next = input[cursor + 1];
    let advance = 1;
    if (next === '$') {
      append('$');
    } else if (next === '(') {
      const close = input.indexOf(')', cursor + 2);
      if (close === -1) {
        append('$(');
      } else {
        const name = input.slice(cursor + 2, close);
        const value = lookup(name);
        if (value === undefined) append(`$(${name})`);
        else {
          append(value);
          used.push(name);
        }
        advance = close - cursor;
      }
    } else {
      append(`$${next ?? ''}`);
    }
    cursor += advance;
    checkpoint = cursor + 1;
  }
  if (!truncated) append(input.slice(checkpoint));
  return { text: out, used, truncated };
}
