/** The OS analyzers: the operating system's identity and its package databases. */
import type { FileAnalyzer } from '../../model/analyzer.js';
import { apkAnalyzer } from './apk.js';
import { dpkgAnalyzer } from './dpkg.js';
import { osReleaseAnalyzer } from './os-release.js';
import { rpmAnalyzer } from './rpm.js';

export const OS_ANALYZERS: readonly FileAnalyzer[] = [osReleaseAnalyzer, dpkgAnalyzer, apkAnalyzer, rpmAnalyzer];

export { apkAnalyzer, dpkgAnalyzer, osReleaseAnalyzer, rpmAnalyzer };
export { OS_ECOSYSTEMS, distroOf, osPurl, withDistro } from './distro.js';
export { OS_RELEASE_PATHS, parseOsRelease } from './os-release.js';
