import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertListenAllowed, isLoopbackHost, parseListenAddress } from '../../supervisor/proxy/listen-address.ts';

describe('listen address', () => {
  it('parses IPv4, bracketed IPv6 and localhost', () => {
    assert.deepEqual(parseListenAddress('127.0.0.1:8005'), { host: '127.0.0.1', port: 8005 });
    assert.deepEqual(parseListenAddress('[::1]:0'), { host: '::1', port: 0 });
    assert.deepEqual(parseListenAddress('localhost:9'), { host: '127.0.0.1', port: 9 });
  });

  it('says what is wrong with a bad address', () => {
    assert.throws(() => parseListenAddress('8005'), /expected HOST:PORT/);
    assert.throws(() => parseListenAddress('127.0.0.1:70000'), /port 70000 is above 65535/);
    assert.throws(() => parseListenAddress('proxy.internal:8005'), /must be an IP address or localhost/);
  });

  it('allows loopback only, unless forced', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '169.254.170.2', '::ffff:10.0.0.1']) assert.equal(isLoopbackHost(host), false, host);
    assert.throws(() => assertListenAllowed({ host: '0.0.0.0', port: 8005 }, false), /refusing to listen on 0.0.0.0/);
    assert.doesNotThrow(() => assertListenAllowed({ host: '0.0.0.0', port: 8005 }, true));
  });
});
