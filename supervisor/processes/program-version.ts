import { execa } from 'execa';

export interface ProgramVersion {
  /** As the program prints it, e.g. 3.16.0 or 2.42.0+ds. */
  text: string;
  major: number;
  minor: number;
  patch: number;
}

const VERSION = /\bversion\s+v?(\d+)\.(\d+)\.(\d+)(\S*)/;

/** The first `version X.Y.Z` in `--version` output (Prometheus, Alertmanager and node-exporter all print one). */
export function parseProgramVersion(output: string): ProgramVersion | undefined {
  const match = VERSION.exec(output);
  if (!match) return undefined;
  const [, major, minor, patch, suffix] = match;
  return { text: `${major}.${minor}.${patch}${suffix}`, major: Number(major), minor: Number(minor), patch: Number(patch) };
}

/** Runs `binary --version`; undefined when the program is missing, fails or names no version. */
export async function programVersion(binary: string): Promise<ProgramVersion | undefined> {
  const result = await execa(binary, ['--version'], { reject: false, all: true, timeout: 10_000, stdin: 'ignore' });
  return result.exitCode === 0 ? parseProgramVersion(String(result.all ?? '')) : undefined;
}
