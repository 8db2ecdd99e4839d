#!/usr/bin/env node
// The console's browser test drives Debian's Chromium through playwright-core, which brings no
// browser of its own: this installs the distribution's package when it is missing. Only Node
// built-ins: it runs from the platform's install step, before anything else is known to work.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const CHROMIUM = process.env.CONSOLE_CHROMIUM ?? '/usr/bin/chromium';
/** A CJK font, so the Chinese console's screenshots show characters rather than empty boxes. */
const CJK_FONT = '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc';

const say = (msg) => console.log(`[console] ${msg}`);

/** Returns the browser's path, installing `chromium` (and a CJK font) with apt-get first when missing. */
export function ensureChromium({ log = say } = {}) {
  const missing = [
    ...(fs.existsSync(CHROMIUM) ? [] : ['chromium']),
    ...(process.env.CONSOLE_CHROMIUM || fs.existsSync(CJK_FONT) ? [] : ['fonts-wqy-microhei']),
  ];
  if (missing.length === 0) return CHROMIUM;
  if (process.platform !== 'linux' || !fs.existsSync('/usr/bin/apt-get')) {
    throw new Error(`no browser at ${CHROMIUM} and no apt-get to install one: install Chromium and set CONSOLE_CHROMIUM to its path`);
  }
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const apt = (args) => execFileSync(asRoot ? 'apt-get' : 'sudo', asRoot ? args : ['-n', 'apt-get', ...args], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  log(`installing ${missing.join(' and ')} from Debian for the console's browser test ...`);
  // A fresh machine's package lists may be empty or stale: the install alone would find nothing.
  apt(['update', '-qq']);
  apt(['install', '-y', '-qq', '--no-install-recommends', ...missing]);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium but ${CHROMIUM} is still missing`);
  log(`installed ${missing.join(', ')}`);
  return CHROMIUM;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1])) {
  try {
    ensureChromium();
  } catch (e) {
    console.error(`[console] ${e.message}`);
    process.exit(1);
  }
}
