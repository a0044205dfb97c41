// Container health check (Dockerfile HEALTHCHECK and the ECS task definitions): exit 0 when the
// supervisor's admin endpoint says /healthz is OK. Plain JavaScript so it runs without the build;
// the image has no curl.
const [host, port] = (process.env.APPLIANCE_ADMIN_ADDR || '127.0.0.1:9901').split(/:(?=\d+$)/);
const target = !host || host === '0.0.0.0' || host === '::' || host === '[::]' ? '127.0.0.1' : host;
try {
  const response = await fetch(`http://${target}:${port ?? '9901'}/healthz`, { signal: AbortSignal.timeout(4000) });
  process.stdout.write(`healthz ${response.status}\n`);
  process.exit(response.ok ? 0 : 1);
} catch (error) {
  process.stdout.write(`healthz unreachable: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
