import { describe, expect, it } from 'vitest';
import { addressesIn, addressesInText, argumentValues, looksInternal, MAX_ADDRESSES_PER_FILE } from './addresses.js';

const none = new Map<string, string>();

describe('addressesIn', () => {
  it.each([
    ['DATABASE_URL', 'postgres://u:p@db:5432/app', [{ host: 'db', port: 5432, form: 'url' }]],
    ['DATABASE_URL', 'postgresql://db/app', [{ host: 'db', port: 5432, form: 'url' }]],
    ['REDIS_URL', 'redis://cache:6380/0', [{ host: 'cache', port: 6380, form: 'url' }]],
    [
      'MONGO_URI',
      'mongodb://m1:27017,m2:27018/db?replicaSet=rs',
      [
        { host: 'm1', port: 27017, form: 'url' },
        { host: 'm2', port: 27018, form: 'url' },
      ],
    ],
    ['JDBC', 'jdbc:mysql://mysql.prod.svc:3306/x', [{ host: 'mysql.prod.svc', port: 3306, form: 'url' }]],
    ['API', 'https://api.example.com/v1', [{ host: 'api.example.com', port: 443, form: 'url' }]],
    ['CONN', 'Host=db;Port=5433;Username=x;Password=y', [{ host: 'db', port: 5433, form: 'connection-string' }]],
    ['PGCONN', 'host=db port=5432 dbname=app', [{ host: 'db', port: 5432, form: 'connection-string' }]],
    ['MSSQL', 'Server=tcp:sql,1433;Database=x', [{ host: 'sql', port: 1433, form: 'connection-string' }]],
    ['QUEUE_ADDR', 'cache:6379', [{ host: 'cache', port: 6379, form: 'host-port' }]],
    [
      'KAFKA_BROKERS',
      'k0:9092,k1:9092',
      [
        { host: 'k0', port: 9092, form: 'host-port' },
        { host: 'k1', port: 9092, form: 'host-port' },
      ],
    ],
    ['DATABASE_HOST', 'db', [{ host: 'db', form: 'host-variable' }]],
    ['MASTER', '$(REDIS_MASTER_SERVICE_HOST)', [{ host: 'redis-master', form: 'service-variable' }]],
    ['SOME_SETTING', 'upstream:8080', [{ host: 'upstream', port: 8080, form: 'host-port' }]],
    ['DSN', 'user:pw@tcp(catalogue-db:3306)/socksdb', [{ host: 'catalogue-db', port: 3306, form: 'dsn' }]],
    ['DSN', 'user@tcp(mysql)/db?parseTime=true', [{ host: 'mysql', port: 3306, form: 'dsn' }]],
  ])('%s=%s', (name, value, expected) => {
    expect(addressesIn(name, value, none)).toEqual(expected);
  });

  it.each([
    ['GET_HOSTS_FROM', 'dns'],
    ['NODE_ENV', 'production'],
    ['LOG_DIR', '/tmp/logs'],
    ['POSTGRES_PASSWORD', 'postgres'],
    ['TIMEOUT', '30'],
    ['DATABASE_HOST', ''],
    ['DATABASE_HOST', 'not a host!'],
    ['API_URL', 'not-a-url'.repeat(1000)],
    ['PORT', '99999'],
  ])('%s=%s is not an address', (name, value) => {
    expect(addressesIn(name, value, none)).toEqual([]);
  });

  it('takes the port from the sibling *_PORT variable', () => {
    const env = new Map([
      ['PGHOST', 'db'],
      ['PGPORT', '5433'],
    ]);
    expect(addressesIn('PGHOST', 'db', env)).toEqual([{ host: 'db', port: 5433, form: 'host-variable' }]);
    const env2 = new Map([
      ['DB_HOST', 'db'],
      ['DB_PORT', '3306'],
    ]);
    expect(addressesIn('DB_HOST', 'db', env2)).toEqual([{ host: 'db', port: 3306, form: 'host-variable' }]);
  });
});

describe('argumentValues', () => {
  it('reads --name=value, -name=value, an address option and its next word, and bare words', () => {
    expect(
      argumentValues(['/app', '-port=80', '--db=postgres://db:5432/x', '--redis-host', 'cache', '--verbose', 'worker', 'a:1']),
    ).toEqual([
      { name: 'PORT', value: '80', index: 1 },
      { name: 'DB', value: 'postgres://db:5432/x', index: 2 },
      { name: 'REDIS_HOST', value: 'cache', index: 4 },
      { name: 'ARG', value: 'worker', index: 6 },
      { name: 'ARG', value: 'a:1', index: 7 },
    ]);
  });

  it('an option whose name does not say address does not take the next word', () => {
    expect(argumentValues(['/app', '--workers', 'db:5432'])).toEqual([{ name: 'ARG', value: 'db:5432', index: 2 }]);
  });
});

describe('addressesInText', () => {
  it('finds URLs anywhere and address-named keys, with their lines; comments and other keys say nothing', () => {
    const text = [
      '# redis://commented:6379',
      'server.port=8080',
      'spring.datasource.url=jdbc:mysql://db:3306/x',
      'cache:',
      '  redisHost: "cache"',
      'upstream backend { server api:8080; }',
      '    server api2:9090;',
      'log_level: debug',
    ].join('\n');
    expect(addressesInText(text)).toEqual([
      { host: 'db', port: 3306, form: 'url', line: 3 },
      { host: 'cache', form: 'host-variable', line: 5 },
      { host: 'api2', port: 9090, form: 'host-port', line: 7 },
    ]);
  });

  it('keeps at most MAX_ADDRESSES_PER_FILE from a file that lists thousands', () => {
    const text = Array.from({ length: 5000 }, (_, i) => `url${i} = http://h${i}:80/`).join('\n');
    expect(addressesInText(text)).toHaveLength(MAX_ADDRESSES_PER_FILE);
  });
});

describe('looksInternal', () => {
  it.each([
    ['cartservice', true],
    ['api.example.com', false],
    ['localhost', false],
    ['10.0.0.1', false],
  ])('%s → %s', (host, expected) => {
    expect(looksInternal(host)).toBe(expected);
  });
});
