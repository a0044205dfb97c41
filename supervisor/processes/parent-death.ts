import { accessSync, constants } from 'node:fs';

/** util-linux's setpriv, Essential in Debian and so in the image. */
const SETPRIV = '/usr/bin/setpriv';
let setprivPresent: boolean | undefined;

function hasSetpriv(): boolean {
  if (setprivPresent === undefined) {
    try {
      accessSync(SETPRIV, constants.X_OK);
      setprivPresent = true;
    } catch {
      setprivPresent = false;
    }
  }
  return setprivPresent;
}

/**
 * The command line that runs `command` so the kernel sends it SIGTERM when the supervisor dies,
 * however it dies (SIGKILL, OOM kill): `setpriv --pdeathsig TERM` sets the signal and then execs
 * the program, which keeps its pid. SIGTERM rather than SIGKILL lets Prometheus close its TSDB.
 * Without setpriv the command runs as given.
 */
export function dyingWithSupervisor(command: string, args: readonly string[]): { command: string; args: string[] } {
  return hasSetpriv() ? { command: SETPRIV, args: ['--pdeathsig', 'TERM', '--', command, ...args] } : { command, args: [...args] };
}
