#!/usr/bin/env node
// The generator is written in TypeScript and runs through tsx, so `npx pg-sproc-gen` needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
