// Validates SARIF logs against the official OASIS SARIF 2.1.0 schema (vendored, see
// src/output/vendor/README.md) with ajv in strict-off draft-07 mode, formats checked.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { repoRoot } from './profile.js';

type AddFormats = (ajv: Ajv) => Ajv;
// ajv-formats is CommonJS: its function is both module.exports and module.exports.default.
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

const schemaPath = path.join(repoRoot, 'src/output/vendor/sarif-schema-2.1.0.json');

let cached: ((doc: unknown) => ErrorObject[]) | undefined;

/** Errors of `doc` against the SARIF 2.1.0 schema; empty when valid. */
export function sarifErrors(doc: unknown): ErrorObject[] {
  if (!cached) {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);
    cached = (d) => (validate(d) ? [] : [...(validate.errors ?? [])]);
  }
  return cached(doc);
}
