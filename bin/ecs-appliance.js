#!/usr/bin/env node
// The image ships dist/ (the compiled CLI). In a checkout after `npm ci`, before any `npm run
// build`, the sources run through tsx (a dev dependency), so `npx ecs-appliance …` works at once.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/supervisor/cli.js', import.meta.url);
if (existsSync(compiled)) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../supervisor/cli.ts', import.meta.url).href);
}
