#!/usr/bin/env node
// The published entry point runs the compiled CLI (`npm run build`); the image ships only dist/.
await import('../dist/supervisor/cli.js');
