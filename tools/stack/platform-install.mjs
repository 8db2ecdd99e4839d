#!/usr/bin/env node
// Installs the project's npm dependencies when they are missing or stale (used by CI and the demo).
import { ensureInstalled } from './platform.mjs';

ensureInstalled();
