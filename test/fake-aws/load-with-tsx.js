// The fake AWS is test tooling that runs from its TypeScript sources and has no build of its own.
// Its callers may have no TypeScript loader (the CLI compiled into dist/ runs `demo` on plain
// Node), so the package loads its sources through tsx itself, scoped to this import.
import { tsImport } from 'tsx/esm/api';

export const { startFakeAws, parseWorld } = await tsImport('./index.ts', import.meta.url);
