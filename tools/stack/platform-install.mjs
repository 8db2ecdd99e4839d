#!/usr/bin/env node
// Installs the project's npm dependencies when they are missing or stale (used by CI and the demo),
// and Debian's Chromium for the console's browser test when it is missing.
import { ensureChromium } from '../console/ensure-chromium.mjs';
import { ensureInstalled } from './platform.mjs';

ensureInstalled();
ensureChromium();
