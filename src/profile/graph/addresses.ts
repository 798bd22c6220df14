/**
 * Finds network addresses in environment variables: URLs (`postgres://db:5432/app`, several hosts
 * `mongodb://a:1,b:2`), `host:port`, libpq / ADO.NET connection strings, Kubernetes service
 * variables (`$(REDIS_SERVICE_HOST)`), and bare host names in variables whose name says they hold
 * one (`DATABASE_HOST=db`, `*_ADDR`, `*_SERVER`). Values that are not addresses produce nothing:
 * a graph edge must never be invented from a value like `GET_HOSTS_FROM=dns`.
 */

export interface Address {
  host: string;
  port?: number;
  /** How it was recognised, for the edge's reason. */
  form: 'url' | 'host-port' | 'connection-string' | 'service-variable' | 'host-variable' | 'dsn';
}

/** Default ports of URL schemes (IANA registrations and the servers' documented defaults). */
const SCHEME_PORTS: Record<string, number> = {
  http: 80,
  https: 443,
  ws: 80,
  wss: 443,
  postgres: 5432,
  postgresql: 5432,
  mysql: 3306,
  mariadb: 3306,
  redis: 6379,
  rediss: 6379,
  mongodb: 27017,
  amqp: 5672,
  amqps: 5671,
  nats: 4222,
  mqtt: 1883,
  kafka: 9092,
  memcached: 11211,
  ldap: 389,
  ldaps: 636,
  smtp: 25,
  ftp: 21,
  grpc: 443,
  jdbc: 0,
  elasticsearch: 9200,
  cassandra: 9042,
  zookeeper: 2181,
  tcp: 0,
  udp: 0,
};

/** Variable names that hold a host (alone) or an address. */
const HOST_NAME_PATTERN =
  /(^|_|PG|DB)(HOST|HOSTNAME|HOSTS|ADDR|ADDRESS|SERVER|SERVERS|SERVICE|ENDPOINT|ENDPOINTS|URL|URI|DSN|BROKER|BROKERS|UPSTREAM|BACKEND|PEERS?|NODES?|CLUSTER|SEEDS?)$/;

/** RFC 1123 host name, or an IPv4 address. */
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

export function isHostName(value: string): boolean {
  return HOSTNAME.test(value) && !/^\d+$/.test(value);
}

function parsePort(text: string | undefined): number | undefined {
  if (!text || !/^\d{1,5}$/.test(text)) return undefined;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : undefined;
}

function hostPort(text: string): { host: string; port?: number } | undefined {
  const m = /^\[?([^\]\s/@]+?)\]?(?::(\d{1,5}))?$/.exec(text);
  if (!m || !m[1] || !isHostName(m[1])) return undefined;
  const port = parsePort(m[2]);
  if (m[2] !== undefined && port === undefined) return undefined;
  return port === undefined ? { host: m[1].toLowerCase() } : { host: m[1].toLowerCase(), port };
}

function fromUrl(value: string): Address[] {
  // jdbc:postgresql://db:5432/x — the real scheme follows the jdbc: prefix.
  const m = /^(?:jdbc:)?([a-z][a-z0-9+.-]*):\/\/(?:[^@/?#]*@)?([^/?#]+)/i.exec(value.trim());
  if (!m || !m[1] || !m[2]) return [];
  const scheme = (m[1].split('+')[0] ?? '').toLowerCase();
  const defaultPort = SCHEME_PORTS[scheme];
  const out: Address[] = [];
  for (const part of m[2].split(',')) {
    const hp = hostPort(part);
    if (!hp) continue;
    const port = hp.port ?? (defaultPort ? defaultPort : undefined);
    out.push(port === undefined ? { host: hp.host, form: 'url' } : { host: hp.host, port, form: 'url' });
  }
  return out;
}

/** `Host=db;Port=5432;Database=x` (ADO.NET) and `host=db port=5432 dbname=x` (libpq). */
function fromConnectionString(value: string): Address[] {
  if (!/(^|[;\s])(host|server|data source|address)\s*=/i.test(value)) return [];
  const pairs = new Map<string, string>();
  for (const m of value.matchAll(/([a-z ]+?)\s*=\s*([^;\s]+)/gi)) {
    if (m[1] && m[2]) pairs.set(m[1].trim().toLowerCase(), m[2]);
  }
  const hostValue = pairs.get('host') ?? pairs.get('server') ?? pairs.get('data source') ?? pairs.get('address');
  if (!hostValue) return [];
  // `Server=db,1433` (SQL Server) and `Server=tcp:db,1433`.
  const cleaned = hostValue.replace(/^tcp:/i, '');
  const [h, p] = cleaned.includes(',') ? cleaned.split(',') : [cleaned, pairs.get('port')];
  const hp = h ? hostPort(h) : undefined;
  if (!hp) return [];
  const port = hp.port ?? parsePort(p);
  return [port === undefined ? { host: hp.host, form: 'connection-string' } : { host: hp.host, port, form: 'connection-string' }];
}

/**
 * Go's MySQL driver DSN, `user:password@tcp(host:port)/dbname` (github.com/go-sql-driver/mysql,
 * "DSN (Data Source Name)"): the address sits in the parentheses after the protocol.
 */
function fromDsn(value: string): Address[] {
  const m = /@(?:tcp|tcp4|tcp6|udp)\(([^()\s]+)\)/i.exec(value);
  const hp = m?.[1] ? hostPort(m[1]) : undefined;
  if (!hp) return [];
  return [hp.port === undefined ? { host: hp.host, port: 3306, form: 'dsn' } : { host: hp.host, port: hp.port, form: 'dsn' }];
}

/** `$(REDIS_MASTER_SERVICE_HOST)` / `${REDIS_MASTER_SERVICE_HOST}` name the Service `redis-master`. */
function fromServiceVariables(value: string): Address[] {
  const out: Address[] = [];
  for (const m of value.matchAll(/\$[({]([A-Z0-9_]+)_SERVICE_HOST[)}]/g)) {
    if (m[1]) out.push({ host: m[1].toLowerCase().replace(/_/g, '-'), form: 'service-variable' });
  }
  return out;
}

/** True when the variable's name says it holds a host or an address. */
export function isAddressVariable(name: string): boolean {
  return HOST_NAME_PATTERN.test(name.toUpperCase());
}

/**
 * Addresses in one variable. `siblings` are the other variables of the same container, used to
 * find `DB_PORT` for `DB_HOST`.
 */
export function addressesIn(name: string, value: string, siblings: ReadonlyMap<string, string>): Address[] {
  const v = value.trim();
  if (!v || v.length > 4096) return [];
  const found = [...fromServiceVariables(v)];
  if (found.length > 0) return withSiblingPort(name, found, siblings);
  const url = fromUrl(v);
  if (url.length > 0) return url;
  const conn = fromConnectionString(v);
  if (conn.length > 0) return conn;
  const dsn = fromDsn(v);
  if (dsn.length > 0) return dsn;
  if (!isAddressVariable(name)) {
    // Outside address-named variables only an explicit host:port counts.
    const hp = /^[a-z0-9.-]+:\d{1,5}$/i.test(v) ? hostPort(v) : undefined;
    return hp?.port !== undefined ? [{ host: hp.host, port: hp.port, form: 'host-port' }] : [];
  }
  const out: Address[] = [];
  // `kafka-0:9092,kafka-1:9092` or `a b c` lists.
  for (const part of v.split(/[,\s]+/)) {
    const hp = hostPort(part);
    // One word that is not a host means the value is prose, not a list of hosts.
    if (!hp) return [];
    out.push(hp.port === undefined ? { host: hp.host, form: 'host-variable' } : { host: hp.host, port: hp.port, form: 'host-port' });
  }
  return withSiblingPort(name, out, siblings);
}

function withSiblingPort(name: string, found: Address[], siblings: ReadonlyMap<string, string>): Address[] {
  const prefix = name.toUpperCase().replace(HOST_NAME_PATTERN, '');
  const candidates = [`${prefix}_PORT`, `${prefix}PORT`, name.toUpperCase().replace(/HOST$/, 'PORT')];
  let port: number | undefined;
  for (const c of candidates) {
    port = parsePort(siblings.get(c));
    if (port !== undefined) break;
  }
  return found.map((a) => (a.port === undefined && port !== undefined ? { ...a, port } : a));
}

/** One option of a command line with its value: `--db=postgres://db/x`, `-DSN=…`, `--redis-host redis`. */
export interface ArgumentValue {
  /** The option's name as a variable name (`--redis-host` → `REDIS_HOST`); `ARG` for a bare argument. */
  name: string;
  value: string;
  /** Index of the argument that holds the value. */
  index: number;
}

/**
 * The values of a command line worth scanning for addresses: `--name=value` and `-name=value`,
 * `--name value` (the next argument, when it is not an option) and bare arguments. The option's
 * name stands in for a variable name, so `--db-host db` is read like `DB_HOST=db`. `first`: where
 * the arguments start (1 after the program; 0 for arguments alone, such as Kubernetes `args`).
 */
export function argumentValues(argv: readonly string[], first = 1): ArgumentValue[] {
  const out: ArgumentValue[] = [];
  for (let i = first; i < argv.length; i++) {
    const arg = argv[i] as string;
    const opt = /^--?([A-Za-z][A-Za-z0-9_.-]*)(?:=([\s\S]*))?$/.exec(arg);
    if (!opt) {
      out.push({ name: 'ARG', value: arg, index: i });
      continue;
    }
    const name = (opt[1] as string).toUpperCase().replace(/[.-]/g, '_');
    if (opt[2] !== undefined) {
      out.push({ name, value: opt[2], index: i });
      continue;
    }
    const next = argv[i + 1];
    // `--db-host db`: only an option whose name says it holds an address takes the next word.
    if (next !== undefined && !next.startsWith('-') && isAddressVariable(name)) {
      out.push({ name, value: next, index: i + 1 });
      i++;
    }
  }
  return out;
}

/** A key written in a configuration file as a variable name: `spring.redis.host` → `SPRING_REDIS_HOST`. */
function keyAsVariable(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

/** Longest line of a mounted file that is scanned (a minified blob says nothing a person wrote). */
const MAX_LINE = 4096;
/** Addresses kept per file: a real configuration names a few dozen peers at most. */
export const MAX_ADDRESSES_PER_FILE = 256;

/**
 * Addresses in the text of a configuration file (a ConfigMap key a container mounts): URLs anywhere
 * on a line, and `key = value` / `key: value` lines whose key names an address
 * (`spring.datasource.url=jdbc:mysql://db:3306/x`, `redis_host: cache`). Each comes with its 1-based line.
 */
export function addressesInText(text: string): (Address & { line: number })[] {
  const out: (Address & { line: number })[] = [];
  const lines = text.split('\n');
  for (let n = 0; n < lines.length && out.length < MAX_ADDRESSES_PER_FILE; n++) {
    const line = (lines[n] as string).trim();
    if (line === '' || line.length > MAX_LINE || line.startsWith('#') || line.startsWith('//')) continue;
    const found: Address[] = [];
    for (const m of line.matchAll(/(?:jdbc:)?[a-z][a-z0-9+.-]*:\/\/[^\s"'`;,<>)]+/gi)) found.push(...fromUrl(m[0]));
    if (found.length === 0) {
      const kv = /^["']?([A-Za-z_][A-Za-z0-9_.-]*)["']?\s*[:=]\s*["']?([^"'\s;#]+)["']?\s*[;,]?$/.exec(line);
      if (kv?.[1] && kv[2]) {
        const name = keyAsVariable(kv[1]);
        if (isAddressVariable(name)) found.push(...addressesIn(name, kv[2], new Map()));
      }
      // nginx `server db:5432;` and `proxy_pass` without a scheme are host:port words after a directive.
      const upstream = /^(?:server|upstream_server)\s+([a-z0-9.-]+:\d{1,5})\b/i.exec(line);
      if (found.length === 0 && upstream?.[1]) {
        const hp = hostPort(upstream[1]);
        if (hp?.port !== undefined) found.push({ host: hp.host, port: hp.port, form: 'host-port' });
      }
    }
    for (const a of found) out.push({ ...a, line: n + 1 });
  }
  return out.slice(0, MAX_ADDRESSES_PER_FILE);
}

/**
 * True for a name that looks like a peer inside the application rather than an internet host:
 * one DNS label (no dots), not an IP address, not the container itself (`localhost`).
 */
export function looksInternal(host: string): boolean {
  const h = host.toLowerCase();
  return !h.includes('.') && !h.includes(':') && h !== 'localhost' && !/^\d+$/.test(h);
}
