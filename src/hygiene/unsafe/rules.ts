/** The unsafe-component checks as rules (for SARIF and docs): id, title, what to do. */
import type { RuleInfo } from '../../model/findings.js';

export const DEPRECATED_ID = 'CHARTER-NPM-DEPRECATED';
export const INSTALL_SCRIPT_ID = 'CHARTER-NPM-INSTALL-SCRIPT';

export const UNSAFE_RULES: ReadonlyMap<string, RuleInfo> = new Map<string, RuleInfo>([
  [
    DEPRECATED_ID,
    {
      title: 'Deprecated npm package version',
      description: 'The package version is marked deprecated in the npm registry by its maintainers (the `deprecated` field of the version in the registry metadata). Deprecated versions no longer get fixes and often have known problems.',
      remediation: 'Upgrade to a supported version or replace the package, as the deprecation message suggests.',
      helpUri: 'https://docs.npmjs.com/deprecating-and-undeprecating-packages-or-package-versions',
      tags: ['supply-chain', 'npm'],
    },
  ],
  [
    INSTALL_SCRIPT_ID,
    {
      title: 'npm package runs an install script',
      description: 'The package declares a preinstall, install or postinstall lifecycle script: arbitrary code that runs when the package is installed. Most malicious npm packages act through install scripts.',
      remediation: 'Review the script; install with `--ignore-scripts` and allow only the packages that need one.',
      helpUri: 'https://docs.npmjs.com/cli/v10/using-npm/scripts#life-cycle-scripts',
      tags: ['supply-chain', 'npm'],
    },
  ],
]);
