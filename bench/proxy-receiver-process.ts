/**
 * The benchmark's stand-in for AMP, in a process of its own, on two ports:
 * - decode: does what every remote_write receiver must before it can answer, snappy-decompress the
 *   body and decode every series and sample; the realistic receiver for throughput;
 * - sink: only reads the body, so that timing through it shows what the proxy itself adds.
 * Prints {"decodeUrl","sinkUrl"} when ready; exits on SIGTERM.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeRemoteWrite } from '../test/proxy/remote-write-codec.ts';

let samples = 0;

function receiver(decode: boolean): http.Server {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (decode) {
        try {
          for (const series of decodeRemoteWrite(Buffer.concat(chunks))) samples += series.samples.length;
        } catch (error) {
          res.writeHead(400).end(String(error));
          return;
        }
      }
      res.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 60_000;
  return server;
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/workspaces/ws-bench`;
}

const servers = [receiver(true), receiver(false)];
const [decodeUrl, sinkUrl] = await Promise.all(servers.map(listen));
process.stdout.write(`${JSON.stringify({ decodeUrl, sinkUrl })}\n`);
process.once('SIGTERM', () => {
  process.stderr.write(`receiver decoded ${samples} samples\n`);
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  process.exit(0);
});
