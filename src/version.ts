/** Kept in step with package.json by a test (src/cli/main.test.ts). */
export const VERSION = '0.1.0';
export const GENERATOR = `charter ${VERSION}`;
