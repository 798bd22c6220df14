/**
 * Is this image the one built from this Dockerfile? The image's config and history are compared
 * with what the Dockerfile sets: the launch command (ENTRYPOINT and CMD, as the builder stores
 * them), the ports it exposes, its USER and WORKDIR, and its RUN commands, which a builder records
 * in the image's history (`created_by`). A value the Dockerfile sets that the image lacks is a
 * contradiction; values the Dockerfile leaves to its base image say nothing either way.
 */
import type { ContainerFragment } from '../model/fragments.js';

export interface BuildEvidence {
  /** What agrees, in words for a diagnostic: `the same ENTRYPOINT and CMD`, `USER 1000`. */
  agrees: string[];
  /** What disagrees. */
  contradicts: string[];
  /** Agreement that singles the image out: its launch command or its history (ports, user and workdir alone are common to many images). */
  distinctive: boolean;
}

const q = (argv: readonly string[]): string => JSON.stringify(argv);

/**
 * RUN commands compared with the history, from the first: enough to single out a build, and a
 * bound on the work (a Dockerfile of thousands of RUN lines against every image read).
 */
export const MAX_RUNS_COMPARED = 64;

/** An image's history as one text (one instruction per line), made once per image. */
const histories = new WeakMap<readonly string[], string>();
function historyOf(history: readonly string[]): string {
  let text = histories.get(history);
  if (text === undefined) {
    text = history.map(historyText).join('\n');
    histories.set(history, text);
  }
  return text;
}

/**
 * A history line as the text of its instruction: buildah and the classic builder write
 * `/bin/sh -c #(nop) USER 1000` and `/bin/sh -c apk add x`, BuildKit `RUN /bin/sh -c apk add x # buildkit`.
 */
function historyText(line: string): string {
  return line
    .replace(/\s+#\s*buildkit\s*$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function buildEvidence(
  image: { fragment: ContainerFragment; history?: readonly string[] },
  dockerfile: ContainerFragment,
): BuildEvidence {
  const agrees: string[] = [];
  const contradicts: string[] = [];
  let distinctive = false;
  const img = image.fragment;

  const launch = dockerfile.launch;
  if (launch && (launch.entrypoint.length > 0 || launch.cmd.length > 0)) {
    const mine = img.launch ?? { entrypoint: [], cmd: [] };
    // A Dockerfile that sets only CMD keeps its base image's ENTRYPOINT (`FROM node` runs
    // docker-entrypoint.sh), which the Dockerfile does not show: only CMD can be compared then.
    const withEntrypoint = launch.entrypoint.length > 0;
    const same = (!withEntrypoint || q(mine.entrypoint) === q(launch.entrypoint)) && q(mine.cmd) === q(launch.cmd);
    const what = withEntrypoint ? `ENTRYPOINT ${q(launch.entrypoint)} and CMD ${q(launch.cmd)}` : `CMD ${q(launch.cmd)}`;
    const theirs = withEntrypoint ? `ENTRYPOINT ${q(mine.entrypoint)} and CMD ${q(mine.cmd)}` : `CMD ${q(mine.cmd)}`;
    if (same) {
      agrees.push(`the same ${what}`);
      distinctive = true;
    } else contradicts.push(`the image runs ${theirs}, the Dockerfile ${what}`);
  }

  if (dockerfile.listen.length > 0) {
    const exposed = new Set(img.listen.map((p) => `${p.port}/${p.protocol}`));
    const wanted = dockerfile.listen.map((p) => `${p.port}/${p.protocol}`);
    const missing = wanted.filter((p) => !exposed.has(p));
    if (missing.length === 0) agrees.push(`EXPOSE ${wanted.join(' ')}`);
    else contradicts.push(`the image does not expose ${missing.join(' ')}`);
  }

  for (const [what, mine, theirs] of [
    ['USER', img.user?.name, dockerfile.user?.name],
    ['WORKDIR', img.workingDir?.name, dockerfile.workingDir?.name],
  ] as const) {
    if (theirs === undefined) continue;
    if (mine === theirs) agrees.push(`${what} ${theirs}`);
    else contradicts.push(`the image has ${what} ${mine ?? '(none)'}, the Dockerfile ${theirs}`);
  }

  const runs = (dockerfile.runCommands ?? []).slice(0, MAX_RUNS_COMPARED).filter((r) => r !== '');
  const history = image.history && image.history.length > 0 ? historyOf(image.history) : '';
  if (runs.length > 0 && history !== '') {
    // A collapsed command holds no newline: it is found within one history entry or not at all.
    const found = runs.filter((r) => history.includes(r));
    if (found.length === runs.length) {
      agrees.push(`its history holds the Dockerfile's ${runs.length} RUN command${runs.length > 1 ? 's' : ''}`);
      distinctive = true;
    } else if (found.length === 0) contradicts.push(`its history holds none of the Dockerfile's ${runs.length} RUN commands`);
    else agrees.push(`its history holds ${found.length} of the Dockerfile's ${runs.length} RUN commands`);
  }
  return { agrees, contradicts, distinctive };
}

/** True when the evidence says the image was built from the Dockerfile. */
export function builtFrom(e: BuildEvidence): boolean {
  return e.distinctive && e.contradicts.length === 0;
}
