/**
 * Packages installed by `RUN` lines: `apt-get`/`apt install`, `apk add`, `yum`/`dnf`/`microdnf`
 * `install`, `npm install -g` and `pip install`. One table row per package manager; the rows say
 * which words are the install subcommand and which options take a value, so the option's value is
 * not mistaken for a package name.
 */
import { commandWords, type Word } from './shell.js';

export interface FoundPackage {
  name: string;
  version?: string;
  /** The package manager's command as written (`apt-get`). */
  manager: string;
  line: number;
  column: number;
}

interface Manager {
  /** Matches the command's base name (`/usr/bin/apt-get` → `apt-get`). */
  command: RegExp;
  /** Subcommands that install (`install`, `add`). */
  install: ReadonlySet<string>;
  /** Options whose value is the next word when not written as `--opt=value`. */
  valueOptions: ReadonlySet<string>;
  /** Only count the command when this holds for its words (npm: global installs only). */
  when?: (words: readonly string[]) => boolean;
  /** Name and version from one argument; undefined for files, URLs, groups and other non-names. */
  parse: (word: string) => { name: string; version?: string } | undefined;
}

const DEB_NAME = /^[a-z0-9][a-z0-9+.-]*(?::[a-z0-9-]+)?$/;
const APK_NAME = /^[A-Za-z0-9][A-Za-z0-9+._-]*$/;
const RPM_NAME = /^[A-Za-z0-9][A-Za-z0-9+._:-]*$/;
const NPM_NAME = /^(?:@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i;
const PIP_SPEC = /^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*(.*)$/;

function withVersion(name: string, version: string | undefined): { name: string; version?: string } {
  return version ? { name, version } : { name };
}

const MANAGERS: readonly Manager[] = [
  {
    command: /^(?:apt-get|apt|aptitude)$/,
    install: new Set(['install']),
    valueOptions: new Set(['-o', '-c', '-t', '--option', '--config-file', '--target-release', '--default-release']),
    parse: (word) => {
      // `pkg=1.2-3`, `pkg/bookworm-backports`
      const [spec = '', version] = word.split('=', 2);
      const name = spec.split('/', 1)[0] ?? '';
      return DEB_NAME.test(name) ? withVersion(name, version) : undefined;
    },
  },
  {
    command: /^apk$/,
    install: new Set(['add']),
    valueOptions: new Set([
      '-t',
      '--virtual',
      '-X',
      '--repository',
      '--repositories-file',
      '-p',
      '--root',
      '--arch',
      '--keys-dir',
      '--cache-dir',
      '--cache-max-age',
    ]),
    parse: (word) => {
      // `pkg=1.2-r0` pins a version; `pkg~1.2`, `pkg>1` are constraints, not versions.
      const m = /^([^=~<>]+)(?:(=)?([=~<>]*)(.*))?$/.exec(word);
      const name = m?.[1] ?? '';
      if (!APK_NAME.test(name)) return undefined;
      return withVersion(name, m?.[2] === '=' && m[3] === '' ? m[4] : undefined);
    },
  },
  {
    command: /^(?:yum|dnf|microdnf|tdnf)$/,
    install: new Set(['install']),
    valueOptions: new Set([
      '-c',
      '--config',
      '--setopt',
      '--enablerepo',
      '--disablerepo',
      '--installroot',
      '--releasever',
      '-x',
      '--exclude',
      '--repo',
      '--repoid',
    ]),
    // RPM names carry their version inline (`nginx-1.20.1`); it cannot be split off reliably.
    parse: (word) => (RPM_NAME.test(word) ? { name: word } : undefined),
  },
  {
    command: /^npm$/,
    install: new Set(['install', 'i', 'add', 'in', 'isntall']),
    valueOptions: new Set(['--prefix', '--registry', '--tag', '--cache', '--location', '--userconfig']),
    when: (words) => words.some((w) => w === '-g' || w === '--global' || w === '--location=global'),
    parse: (word) => {
      const at = word.indexOf('@', 1);
      const name = at === -1 ? word : word.slice(0, at);
      return NPM_NAME.test(name) ? withVersion(name, at === -1 ? undefined : word.slice(at + 1)) : undefined;
    },
  },
  {
    command: /^pip(?:\d(?:\.\d+)?)?$/,
    install: new Set(['install']),
    valueOptions: new Set([
      '-r',
      '--requirement',
      '-c',
      '--constraint',
      '-e',
      '--editable',
      '-i',
      '--index-url',
      '--extra-index-url',
      '-f',
      '--find-links',
      '-t',
      '--target',
      '--prefix',
      '--root',
      '--platform',
      '--python-version',
      '--implementation',
      '--abi',
      '--trusted-host',
      '--progress-bar',
      '--cache-dir',
      '--src',
      '--upgrade-strategy',
      '--global-option',
      '--install-option',
      '-C',
      '--config-settings',
      '--only-binary',
      '--no-binary',
    ]),
    parse: (word) => {
      if (/[/\\]|^\.|\.(?:whl|zip|tar\.gz|tgz)$/i.test(word)) return undefined;
      const m = PIP_SPEC.exec(word);
      if (!m) return undefined;
      const pin = /^==\s*([^,;\s]+)$/.exec((m[2] ?? '').trim());
      return withVersion(m[1] as string, pin?.[1]);
    },
  },
];

/** `sudo`, `env` and their options in front of the real command. */
function stripRunners(words: Word[]): Word[] {
  let i = 0;
  while (i < words.length) {
    const v = (words[i] as Word).value;
    if (v === 'sudo' || v === 'env') {
      i++;
      while (i < words.length && /^-|^[A-Za-z_][A-Za-z0-9_]*=/.test((words[i] as Word).value)) i++;
      continue;
    }
    break;
  }
  return words.slice(i);
}

/** `python3 -m pip install x` is `pip install x`. */
function pythonModule(words: Word[]): Word[] {
  const head = words[0];
  if (head && /^python(?:\d(?:\.\d+)?)?$/.test(baseName(head.value)) && words[1]?.value === '-m') {
    return words.slice(2);
  }
  return words;
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

/** Packages named by the install commands among `commands` (simple commands from one RUN). */
export function packagesIn(commands: readonly Word[][]): FoundPackage[] {
  const found: FoundPackage[] = [];
  for (const cmd of commands) {
    const words = pythonModule(stripRunners(commandWords(cmd)));
    const head = words[0];
    if (!head) continue;
    const manager = MANAGERS.find((m) => m.command.test(baseName(head.value)));
    if (!manager) continue;
    const rest = words.slice(1);
    if (manager.when && !manager.when(rest.map((w) => w.value))) continue;
    found.push(...installArguments(manager, head.value, rest));
  }
  return found;
}

function installArguments(manager: Manager, command: string, words: readonly Word[]): FoundPackage[] {
  const out: FoundPackage[] = [];
  let subcommand: string | undefined;
  let optionsEnded = false;
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as Word;
    if (!optionsEnded && w.value === '--') {
      optionsEnded = true;
      continue;
    }
    if (!optionsEnded && w.value.startsWith('-')) {
      if (!w.value.includes('=') && manager.valueOptions.has(w.value)) i++;
      continue;
    }
    if (subcommand === undefined) {
      subcommand = w.value;
      if (!manager.install.has(subcommand)) return [];
      continue;
    }
    if (w.unresolved.length > 0 || w.value === '') continue;
    const pkg = manager.parse(w.value);
    if (pkg) out.push({ ...pkg, manager: command, line: w.line, column: w.column });
  }
  return out;
}
