/** An event in one line for verdicts and terminals: `exec /bin/sh -c id`, `connect tcp 10.89.0.7:5432 (db)`. */
import type { Endpoint, RuntimeEvent } from '../../model/events.js';

const MAX = 300;

function endpoint(e: Endpoint | undefined): string {
  if (!e) return '?';
  const addr = e.address.includes(':') ? `[${e.address}]` : e.address;
  return e.port === undefined ? addr : `${addr}:${e.port}`;
}

function program(e: RuntimeEvent): string {
  return e.process.path ?? e.process.name ?? '?';
}

export function describeEvent(e: RuntimeEvent): string {
  const s = ((): string => {
    switch (e.kind) {
      case 'exec': {
        const args = (e.process.argv ?? []).slice(1).join(' ');
        return `exec ${program(e)}${args === '' ? '' : ` ${args}`}`;
      }
      case 'exit':
        return `exit ${program(e)}${e.code !== undefined ? ` code ${e.code}` : ''}${e.signal !== undefined ? ` signal ${e.signal}` : ''}`;
      case 'connect':
      case 'send':
        return `${e.kind} ${e.protocol} ${endpoint(e.remote)}${e.dnsName !== undefined ? ` (${e.dnsName})` : ''} by ${program(e)}`;
      case 'accept':
        return `accept ${e.protocol} on ${endpoint(e.local)} from ${endpoint(e.remote)} by ${program(e)}`;
      case 'listen':
        return `listen ${e.protocol} ${endpoint(e.local)} by ${program(e)}`;
      case 'open':
        return `open ${e.path} for ${e.write ? 'writing' : 'reading'}${e.create === true ? ' (create)' : ''} by ${program(e)}`;
      case 'chmod':
        return `chmod ${e.mode.toString(8).padStart(4, '0')} ${e.path} by ${program(e)}`;
      case 'rename':
        return `rename ${e.path} to ${e.to} by ${program(e)}`;
      case 'unlink':
        return `unlink ${e.path} by ${program(e)}`;
      case 'syscall':
        return `${e.denied === true ? 'denied ' : ''}syscall ${e.name}${e.target !== undefined ? ` ${e.target}` : ''} by ${program(e)}`;
      case 'privilege':
        return e.op === 'capability'
          ? `capability ${e.capability ?? '?'} used by ${program(e)}`
          : `${e.op} ${e.from ?? '?'} → ${e.to ?? '?'} by ${program(e)}`;
    }
  })();
  return s.length > MAX ? `${s.slice(0, MAX - 1)}…` : s;
}
