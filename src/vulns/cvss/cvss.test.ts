import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  cvss2BaseScore,
  cvss3BaseScore,
  cvss4Score,
  CvssError,
  ratingFor,
  ratingForV2,
  roundUp30,
  roundUp31,
  scoreCvss,
  severityFromOsv,
} from './index.js';

type Row = readonly [vector: string, score: number];

/**
 * "CVSS v3.1: Examples" (FIRST), the worked examples with their base vectors and scores, and
 * NVD-scored vectors with well-known scores (CVE-2021-44228 Log4Shell 10.0).
 */
const V31: readonly Row[] = [
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H', 10.0], // CVE-2021-44228
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1], // CVE-2013-1937 phpMyAdmin XSS
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N', 6.4], // CVE-2013-0375 MySQL
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', 3.1], // CVE-2014-3566 POODLE
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', 9.9], // CVE-2012-1516 VMware
  ['CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L', 4.2], // CVE-2009-0783 Tomcat
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 8.8], // CVE-2012-0384 Cisco IOS
  ['CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 7.8], // CVE-2015-1098 iWork
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5], // CVE-2014-0160 Heartbleed
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8], // CVE-2014-6271 Shellshock
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N', 6.8], // CVE-2008-1447 DNS
  ['CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 6.8], // CVE-2014-2005 Sophos
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N', 5.8], // CVE-2010-0467 Joomla
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N', 5.8], // CVE-2012-1342 Cisco ASA
  ['CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H', 9.3], // CVE-2013-6014 Juniper
  ['CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 8.8], // CVE-2011-1265 Bluetooth
  ['CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N', 4.6], // CVE-2014-2019 iOS
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N', 7.4], // CVE-2014-0224 OpenSSL CCS
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H', 9.6], // CVE-2012-5376 Chrome
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 8.8], // CVE-2016-1645 Chrome
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:H', 7.5], // CVE-2016-2118 Badlock
  ['CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:C/C:H/I:H/A:H', 8.2], // CVE-2016-5729 Lenovo
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0.0],
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P/RL:O/RC:C', 9.8], // temporal metrics do not change the base
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/CR:L/MAV:P/MS:C', 9.8],
  ['CVSS:3.1/S:U/AV:N/AC:L/PR:N/UI:N/C:H/I:H/A:H', 9.8], // any order
];

const V30: readonly Row[] = [
  ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
  ['CVSS:3.0/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
  ['CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', 9.9],
  ['CVSS:3.0/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H', 7.8],
];

/**
 * "A Complete Guide to the Common Vulnerability Scoring System Version 2.0" (FIRST) §3.3
 * examples (CVE-2002-0392, CVE-2003-0818, CVE-2003-0062) and NVD v2 scores of common vectors.
 */
const V2: readonly Row[] = [
  ['AV:N/AC:L/Au:N/C:N/I:N/A:C', 7.8], // CVE-2002-0392
  ['AV:N/AC:L/Au:N/C:C/I:C/A:C', 10.0], // CVE-2003-0818
  ['AV:L/AC:H/Au:N/C:C/I:C/A:C', 6.2], // CVE-2003-0062
  ['AV:N/AC:L/Au:N/C:P/I:P/A:P', 7.5],
  ['AV:N/AC:M/Au:N/C:N/I:P/A:N', 4.3],
  ['AV:N/AC:L/Au:N/C:N/I:N/A:P', 5.0],
  ['AV:N/AC:M/Au:N/C:P/I:P/A:P', 6.8],
  ['AV:L/AC:L/Au:N/C:C/I:C/A:C', 7.2],
  ['AV:N/AC:L/Au:S/C:P/I:P/A:P', 6.5],
  ['AV:N/AC:M/Au:N/C:C/I:C/A:C', 9.3],
  ['AV:L/AC:L/Au:N/C:P/I:N/A:N', 2.1],
  ['AV:N/AC:L/Au:N/C:P/I:N/A:N', 5.0],
  ['AV:L/AC:M/Au:N/C:C/I:C/A:C', 6.9],
  ['AV:A/AC:L/Au:N/C:C/I:C/A:C', 8.3],
  ['AV:N/AC:H/Au:N/C:P/I:P/A:P', 5.1],
  ['AV:L/AC:L/Au:N/C:N/I:N/A:C', 4.9],
  ['AV:N/AC:L/Au:N/C:N/I:N/A:N', 0.0],
  ['(AV:N/AC:L/Au:N/C:P/I:P/A:P)', 7.5],
  ['AV:N/AC:L/Au:N/C:P/I:P/A:P/E:POC/RL:OF/RC:C', 7.5],
];

/**
 * CVSS v4.0 vectors with the scores of FIRST's calculator (first.org/cvss/calculator/4-0), as
 * collected in the test suite of stevespringett/cvss-calculator (CvssV4Test.java, Apache-2.0):
 * base-only vectors and vectors with threat, environmental and supplemental metrics.
 */
const V4: readonly Row[] = [
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', 0.0],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 10.0],
  ['CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 9.0],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 5.4],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.6],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H', 7.9],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.7],
  ['CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.2],
  ['CVSS:4.0/AV:N/AC:H/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 7.7],
  ['CVSS:4.0/AV:N/AC:H/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 7.5],
  ['CVSS:4.0/AV:A/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.7],
  ['CVSS:4.0/AV:A/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.6],
  ['CVSS:4.0/AV:A/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.5],
  ['CVSS:4.0/AV:A/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 7.7],
  ['CVSS:4.0/AV:A/AC:H/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 7.5],
  ['CVSS:4.0/AV:A/AC:H/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 7.3],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.6],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.5],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.4],
  ['CVSS:4.0/AV:L/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 7.5],
  ['CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 7.3],
  ['CVSS:4.0/AV:L/AC:H/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 7.1],
  ['CVSS:4.0/AV:P/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 7.0],
  ['CVSS:4.0/AV:P/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 7.0],
  ['CVSS:4.0/AV:P/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 7.0],
  ['CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 5.4],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N', 9.3],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:N/SC:N/SI:N/SA:N', 9.3],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:H/SC:N/SI:N/SA:N', 8.8],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N', 8.8],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N', 8.7],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:H/VA:H/SC:N/SI:N/SA:N', 8.8],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:H/SC:N/SI:N/SA:N', 8.8],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N', 6.9],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N', 6.9],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:H/SC:N/SI:N/SA:N', 8.8],
  // Threat, environmental and supplemental metrics.
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N/CR:M/IR:M/AR:M/MAV:N/MAC:H/MAT:N/MPR:L/MUI:N/MVC:H/MVI:L/MVA:H/MSC:L/MSI:S/MSA:S/AU:Y/R:I/V:C/RE:L/U:Amber',
    7.7,
  ],
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N/E:U/CR:M/IR:M/AR:M/MAV:N/MAC:H/MAT:N/MPR:L/MUI:N/MVC:H/MVI:L/MVA:H/MSC:L/MSI:S/MSA:S/AU:Y/R:I/V:C/RE:L/U:Amber',
    5.5,
  ],
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N/E:P/CR:M/IR:M/AR:M/MAV:N/MAC:H/MAT:N/MPR:L/MUI:N/MVC:H/MVI:L/MVA:H/MSC:L/MSI:S/MSA:S/AU:Y/R:I/V:C/RE:L/U:Amber',
    6.6,
  ],
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N/E:P/CR:H/IR:M/AR:M/MAV:N/MAC:H/MAT:N/MPR:L/MUI:N/MVC:H/MVI:L/MVA:H/MSC:L/MSI:S/MSA:S/AU:Y/R:I/V:C/RE:L/U:Amber',
    7.5,
  ],
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N/E:P/CR:H/IR:L/AR:L/MAV:N/MAC:H/MAT:N/MPR:L/MUI:N/MVC:H/MVI:L/MVA:H/MSC:L/MSI:S/MSA:S/AU:Y/R:I/V:C/RE:L/U:Amber',
    7.4,
  ],
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N/E:P/CR:H/IR:L/AR:L/MAV:N/MAC:H/MAT:N/MPR:L/MUI:N/MVC:H/MVI:H/MVA:H/MSC:H/MSI:S/MSA:S/AU:Y/R:I/V:C/RE:L/U:Amber',
    8.6,
  ],
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N/E:P/CR:H/IR:L/AR:L/MAV:N/MAC:H/MAT:N/MPR:L/MUI:N/MVC:H/MVI:H/MVA:N/MSC:H/MSI:S/MSA:S/AU:Y/R:I/V:C/RE:L/U:Amber',
    8.5,
  ],
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N/E:P/CR:H/IR:L/AR:L/MAV:N/MAC:H/MAT:N/MPR:L/MUI:N/MVI:L/MVA:N/MSC:H/MSI:S/MSA:S/AU:Y/R:I/V:C/RE:L/U:Amber',
    5.9,
  ],
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N/E:P/CR:H/IR:L/AR:L/MAV:N/MAC:H/MAT:N/MPR:L/MUI:P/MVA:N/MSC:H/MSI:S/MSA:S/AU:Y/R:I/V:C/RE:L/U:Amber',
    6.5,
  ],
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N/E:P/CR:H/IR:L/AR:L/MAV:N/MAC:H/MAT:N/MPR:N/MUI:N/MVA:N/MSC:H/MSI:S/MSA:S/AU:Y/R:I/V:C/RE:L/U:Amber',
    8.4,
  ],
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N/E:P/CR:H/IR:L/AR:L/MAV:N/MAC:L/MAT:N/MPR:N/MUI:N/MVA:N/MSC:H/MSI:S/MSA:S/AU:Y/R:I/V:C/RE:L/U:Amber',
    9.1,
  ],
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:L/VI:H/VA:L/SC:N/SI:N/SA:N/E:P/CR:H/IR:L/AR:L/MAV:L/MAC:L/MAT:N/MPR:N/MUI:N/MVA:N/MSC:H/MSI:S/MSA:S/AU:Y/R:I/V:C/RE:L/U:Amber',
    7.5,
  ],
  [
    'CVSS:4.0/AV:L/AC:H/AT:N/PR:L/UI:P/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L/E:P/CR:H/IR:L/AR:L/MAV:L/MAC:L/MAT:N/MPR:N/MUI:N/MVA:N/MSC:H/MSI:S/MSA:S/S:P/AU:Y/R:A/V:C/RE:L/U:Clear',
    6.9,
  ],
  [
    'CVSS:4.0/AV:N/AC:H/AT:P/PR:H/UI:A/VC:H/VI:L/VA:L/SC:L/SI:L/SA:L/E:P/CR:H/IR:L/AR:L/MAV:L/MAC:L/MAT:N/MPR:N/MUI:N/MVA:N/MSC:H/MSI:S/MSA:S/S:P/AU:Y/R:A/V:C/RE:L/U:Clear',
    8.6,
  ],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L/IR:H/AR:L', 9.3],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/CR:L/IR:M/AR:L', 8.9],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MVI:N/MVA:H/MSC:N/MSI:N/MSA:N', 8.8],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MVC:L/MVI:N/MVA:H/MSC:N/MSI:N/MSA:N', 8.8],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MVC:N/MVI:N/MVA:H/MSC:N/MSI:N/MSA:N', 8.7],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MVC:N/MVI:N/MVA:L/MSC:N/MSI:N/MSA:N', 6.9],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MUI:A/MVC:N/MVI:N/MVA:L/MSC:N/MSI:N/MSA:N', 5.1],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MUI:A/MVC:N/MVI:N/MVA:N/MSC:N/MSI:N/MSA:N', 0.0],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MUI:A/MVC:N/MVI:H/MVA:N/MSC:N/MSI:N/MSA:N', 6.9],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/MUI:P/MVC:N/MVI:H/MVA:N/MSC:N/MSI:N/MSA:N', 7.1],
];

describe('CVSS v3.1 base score', () => {
  it.each(V31)('%s = %f', (vector, score) => {
    expect(cvss3BaseScore(vector).score).toBe(score);
    expect(scoreCvss(vector)).toEqual({ score, method: 'CVSSv31', vector });
  });

  it('rounds up as Appendix A specifies, unlike v3.0', () => {
    expect(roundUp31(4.000000000000001)).toBe(4.0);
    expect(roundUp30(4.000000000000001)).toBe(4.1);
    expect(roundUp31(4.02)).toBe(4.1);
    expect(roundUp31(4.0)).toBe(4.0);
    expect(roundUp31(9.99)).toBe(10.0);
  });
});

describe('CVSS v3.0 base score', () => {
  it.each(V30)('%s = %f', (vector, score) => {
    expect(cvss3BaseScore(vector)).toMatchObject({ version: '3.0', score });
    expect(scoreCvss(vector).method).toBe('CVSSv3');
  });
});

describe('CVSS v2 base score', () => {
  it.each(V2)('%s = %f', (vector, score) => {
    expect(cvss2BaseScore(vector).score).toBe(score);
    expect(scoreCvss(vector).method).toBe('CVSSv2');
  });
});

describe('CVSS v4.0 score (reference algorithm)', () => {
  it.each(V4)('%s = %f', (vector, score) => {
    expect(cvss4Score(vector).score).toBe(score);
    expect(scoreCvss(vector).method).toBe('CVSSv4');
  });

  it('finds the MacroVector the reference documents for the all-high example', () => {
    expect(cvss4Score('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N').macroVector).toBe('000200');
  });

  it('scores every base vector between 0 and 10, monotone in attack vector', () => {
    const order = ['N', 'A', 'L', 'P'];
    for (const ac of ['L', 'H'])
      for (const vc of ['H', 'L', 'N'])
        for (const sc of ['H', 'N']) {
          const scores = order.map(
            (av) => cvss4Score(`CVSS:4.0/AV:${av}/AC:${ac}/AT:N/PR:N/UI:N/VC:${vc}/VI:L/VA:N/SC:${sc}/SI:N/SA:N`).score,
          );
          for (const s of scores) expect(s).toBeGreaterThanOrEqual(0);
          for (let k = 1; k < scores.length; k++) expect(scores[k]).toBeLessThanOrEqual(scores[k - 1] ?? 10);
        }
  });
});

describe('invalid vectors', () => {
  it.each([
    ['CVSS:3.1/AV:X/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', /invalid value "X" for AV/],
    ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H', /missing base metric\(s\) A/],
    ['CVSS:3.1/AV:N/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', /given twice/],
    ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/ZZ:1', /unknown metric "ZZ"/],
    ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H/', /malformed metric/],
    ['CVSS:3.2/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', /not a CVSS v2 vector/],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N', /missing base metric\(s\) SA/],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N', /invalid value "S" for SI/],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/AV:A', /given twice/],
    ['CVSS:2.0/AV:N', /missing base metric/],
    ['AV:N/AC:L/Au:N/C:P/I:P', /missing base metric\(s\) A/],
    ['', /no metrics/],
    ['NaN', /malformed metric/],
    ['constructor:x', /unknown metric "constructor"/],
    ['__proto__:x', /unknown metric "__proto__"/],
    [`CVSS:3.1/${'AV:N/'.repeat(200)}`, /longer than 512/],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\u0000', /invalid value/],
    ['CVSS:3.1/AV:Ｎ/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', /invalid value/],
  ])('%j is refused: %s', (vector, why) => {
    expect(() => scoreCvss(vector)).toThrow(CvssError);
    expect(() => scoreCvss(vector)).toThrow(why);
  });

  it('refuses a non-string', () => {
    expect(() => scoreCvss(undefined as unknown as string)).toThrow(CvssError);
    expect(() => scoreCvss(42 as unknown as string)).toThrow(CvssError);
  });
});

describe('qualitative ratings', () => {
  it.each([
    [0, 'info'],
    [0.1, 'low'],
    [3.9, 'low'],
    [4.0, 'medium'],
    [6.9, 'medium'],
    [7.0, 'high'],
    [8.9, 'high'],
    [9.0, 'critical'],
    [10.0, 'critical'],
    [NaN, 'unknown'],
    [-1, 'unknown'],
    [10.1, 'unknown'],
  ] as const)('v3/v4 %f → %s', (score, rating) => {
    expect(ratingFor(score)).toBe(rating);
  });

  it.each([
    [0, 'low'],
    [3.9, 'low'],
    [4.0, 'medium'],
    [6.9, 'medium'],
    [7.0, 'high'],
    [10, 'high'],
  ] as const)('v2 (NVD) %f → %s', (score, rating) => {
    expect(ratingForV2(score)).toBe(rating);
  });
});

describe('severityFromOsv', () => {
  const v3 = { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:L' };
  const v4 = { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' };
  const v2 = { type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:P/I:P/A:P' };

  it('scores Log4Shell', () => {
    expect(severityFromOsv([{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H' }])).toEqual({
      severity: 'critical',
      score: 10,
      vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H',
      method: 'CVSSv31',
    });
  });

  it('prefers v4, then v3, then v2, whatever the order of entries', () => {
    expect(severityFromOsv([v2, v3, v4]).method).toBe('CVSSv4');
    expect(severityFromOsv([v2, v3])).toMatchObject({ method: 'CVSSv31', score: 5.0, severity: 'medium' });
    expect(severityFromOsv([v2])).toMatchObject({ method: 'CVSSv2', score: 7.5, severity: 'high' });
  });

  it('skips an unscorable or mislabelled entry and falls back', () => {
    const broken = { type: 'CVSS_V4', score: 'CVSS:4.0/AV:N' };
    expect(severityFromOsv([broken, v3]).method).toBe('CVSSv31');
    expect(severityFromOsv([{ type: 'CVSS_V3', score: v4.score }], { severity: 'LOW' })).toEqual({ severity: 'low' });
    expect(severityFromOsv([broken], { severity: 'MODERATE' })).toEqual({ severity: 'medium' });
  });

  it.each([
    [{ severity: 'LOW' }, 'low'],
    [{ severity: 'MODERATE' }, 'medium'],
    [{ severity: 'HIGH' }, 'high'],
    [{ severity: 'CRITICAL' }, 'critical'],
    [{ urgency: 'unimportant' }, 'info'],
    [{ urgency: 'low*' }, 'low'],
    [{ urgency: 'medium**' }, 'medium'],
    [{ urgency: 'high' }, 'high'],
    [{ urgency: 'not yet assigned' }, 'unknown'],
    [{ severity: 'bogus' }, 'unknown'],
    [{ severity: 42 }, 'unknown'],
    [{ severity: 'x'.repeat(10_000) }, 'unknown'],
    [['HIGH'], 'unknown'],
    ['HIGH', 'unknown'],
    [null, 'unknown'],
    [undefined, 'unknown'],
  ] as const)('database_specific %j → %s', (ds, expected) => {
    expect(severityFromOsv(undefined, ds)).toEqual({ severity: expected });
    expect(severityFromOsv([], ds)).toEqual({ severity: expected });
  });

  it('reads an OSV Ubuntu priority entry', () => {
    expect(severityFromOsv([{ type: 'Ubuntu', score: 'negligible' }])).toEqual({ severity: 'info' });
    expect(severityFromOsv([{ type: 'Ubuntu', score: 'medium' }], { severity: 'HIGH' })).toEqual({ severity: 'medium' });
  });

  it('never throws on hostile input', () => {
    const hostile: unknown[] = [
      null,
      42,
      'CVSS_V3',
      [null],
      [{}],
      [{ type: 'CVSS_V3' }],
      [{ type: 'CVSS_V3', score: 7 }],
      [{ type: 'CVSS_V3', score: 'CVSS:3.1/'.padEnd(1_000_000, 'A') }],
      [{ type: 'CVSS_V4', score: 'CVSS:4.0/' }],
    ];
    for (const h of hostile) {
      expect(severityFromOsv(h as { type: string; score: string }[]).severity).toBe('unknown');
    }
  });
});

describe('the OSV corpus', () => {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
  const osvRoot = resolve(repoRoot, 'test/corpus/osv');
  interface Rec {
    id: string;
    severity?: { type: string; score: string }[];
    database_specific?: Record<string, unknown>;
  }
  const records = ['npm', 'debian', 'alpine'].flatMap((d) =>
    readdirSync(join(osvRoot, d))
      .filter((f) => f.endsWith('.json'))
      .map((f) => JSON.parse(readFileSync(join(osvRoot, d, f), 'utf8')) as Rec),
  );
  const byId = new Map(records.map((r) => [r.id, r]));

  it('scores every severity entry of every record', () => {
    let entries = 0;
    for (const rec of records) {
      for (const s of rec.severity ?? []) {
        entries++;
        expect(() => scoreCvss(s.score), `${rec.id} ${s.score}`).not.toThrow();
      }
      expect(severityFromOsv(rec.severity, rec.database_specific).severity).toMatch(/^(critical|high|medium|low|info|unknown)$/);
    }
    expect(entries).toBeGreaterThanOrEqual(18);
  });

  it('agrees with GitHub\u2019s label wherever a record carries a v3 vector', () => {
    const disagreements: string[] = [];
    for (const rec of records) {
      const label = rec.database_specific?.['severity'];
      const v3 = rec.severity?.find((s) => s.type === 'CVSS_V3');
      if (typeof label !== 'string' || !v3) continue;
      const fromVector = ratingFor(cvss3BaseScore(v3.score).score);
      const fromLabel = severityFromOsv(undefined, { severity: label }).severity;
      if (fromVector !== fromLabel) disagreements.push(`${rec.id}: ${fromVector} vs ${label}`);
    }
    expect(disagreements).toEqual([]);
  });

  it.each([
    ['GHSA-xvch-5gv4-984h', 'critical', 9.8, 'CVSSv31'], // minimist prototype pollution
    ['GHSA-jf85-cpcp-j695', 'critical', 9.1, 'CVSSv31'], // lodash defaultsDeep
    ['GHSA-35jh-r3h4-6jhm', 'high', 7.2, 'CVSSv31'], // lodash template command injection
    ['GHSA-27h2-hvpr-p74q', 'high', 7.6, 'CVSSv31'], // jsonwebtoken
    ['GHSA-8cf7-32gw-wr33', 'high', 8.1, 'CVSSv31'],
    ['GHSA-p6mc-m468-83gw', 'high', 7.4, 'CVSSv31'],
    ['GHSA-hrpp-h998-j3pp', 'high', 7.5, 'CVSSv31'], // qs
    ['GHSA-6fc8-4gx4-v693', 'medium', 5.3, 'CVSSv31'], // ws ReDoS
    ['GHSA-rv95-896h-c2vc', 'medium', 6.1, 'CVSSv31'], // express open redirect
    ['GHSA-vh95-rmgr-6w4m', 'medium', 5.6, 'CVSSv31'],
    ['GHSA-wf5p-g6vw-rhxx', 'medium', 6.5, 'CVSSv31'], // axios
    ['GHSA-qwcr-r2fm-qrc7', 'high', 8.7, 'CVSSv4'], // body-parser: v4 preferred over its v3 7.5
    ['GHSA-qw6h-vgh9-j6wx', 'low', 2.3, 'CVSSv4'], // express redirect XSS: v4 2.3, its v3 says 5.0
    ['ALPINE-CVE-2025-26519', 'high', 7.0, 'CVSSv31'], // musl iconv
  ] as const)('%s → %s %f (%s)', (id, severity, score, method) => {
    const rec = byId.get(id);
    expect(rec, id).toBeDefined();
    expect(severityFromOsv(rec?.severity, rec?.database_specific)).toMatchObject({ severity, score, method });
  });

  it('falls back to unknown for Debian records without severity', () => {
    const rec = byId.get('DLA-3008-1');
    expect(severityFromOsv(rec?.severity, rec?.database_specific)).toEqual({ severity: 'unknown' });
  });
});
