#!/usr/bin/env node
// The package's bin. npm links bins while it installs, before a workspace checkout's build has written dist/: a
// committed file here keeps that link from being skipped. It runs the compiled command, no TypeScript loader needed.
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL } from 'node:url';

const entry = new URL('./dist/cli/bin.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('pg-sproc-gen is not built: run `npm run build` (in this repository: npm ci does it)\n');
  process.exit(1);
}
await import(entry.href);
