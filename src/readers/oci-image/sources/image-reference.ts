/**
 * Image references given to podman (`podman:NAME`), checked against the reference grammar of the
 * container tools (github.com/distribution/reference) before podman sees them: a name that is
 * not a reference, in particular one starting with `-`, is refused here, so podman never reads a
 * user's text as one of its options.
 */
import { UserError } from '../../../model/errors.js';

/**
 * Longest reference accepted: the grammar's limit on a name is 255 characters, plus a tag (128)
 * and a digest (a sha512 digest is 135); anything longer is not a reference, and the bound keeps
 * the pattern below cheap on hostile text.
 */
export const MAX_IMAGE_REFERENCE_CHARS = 600;

const DOMAIN_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const DOMAIN = `(?:${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const PATH_COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = `(?:${DOMAIN}/)?${PATH_COMPONENT}(?:/${PATH_COMPONENT})*`;
const TAG = '[\\w][\\w.-]{0,127}';
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}';
const REFERENCE = new RegExp(`^${NAME}(?::${TAG})?(?:@${DIGEST})?$`);
/** An image ID or its prefix, as `podman images` shows it. */
const IMAGE_ID = /^(?:sha256:)?[0-9a-f]{12,64}$/;

export function isImageReference(name: string): boolean {
  return name.length <= MAX_IMAGE_REFERENCE_CHARS && (IMAGE_ID.test(name) || REFERENCE.test(name));
}

/** Throws a UserError naming `display` unless `name` is an image reference or ID. */
export function checkImageReference(name: string, display: string): void {
  if (isImageReference(name)) return;
  const shown = name.length > 80 ? `${JSON.stringify(name.slice(0, 80))}…` : JSON.stringify(name);
  throw new UserError(
    `${shown} is not an image reference (expected NAME[:TAG][@DIGEST] or an image ID, e.g. registry.example.com/library/alpine:3.20)`,
    display,
  );
}
