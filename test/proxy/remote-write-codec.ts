import { compress, uncompress } from 'snappyjs';

/**
 * Just enough of Prometheus's remote_write 1.0 wire format (prompb.WriteRequest, snappy block
 * compressed) to check what arrives and to build realistic payloads: labels and float samples.
 * Exemplars, histograms and metadata are skipped on decode.
 */
export interface TimeSeries {
  labels: Record<string, string>;
  samples: { value: number; timestamp: number }[];
}

export function decodeRemoteWrite(body: Buffer): TimeSeries[] {
  return decodeWriteRequest(Buffer.from(uncompress(body, 64 * 1024 * 1024)));
}

export function encodeRemoteWrite(series: TimeSeries[]): Buffer {
  return Buffer.from(compress(encodeWriteRequest(series)));
}

export function decodeWriteRequest(buf: Buffer): TimeSeries[] {
  const series: TimeSeries[] = [];
  for (const field of fields(buf)) {
    if (field.number === 1 && field.bytes) series.push(decodeTimeSeries(field.bytes));
  }
  return series;
}

function decodeTimeSeries(buf: Buffer): TimeSeries {
  const ts: TimeSeries = { labels: {}, samples: [] };
  for (const field of fields(buf)) {
    if (field.number === 1 && field.bytes) {
      let name = '';
      let value = '';
      for (const f of fields(field.bytes)) {
        if (f.number === 1 && f.bytes) name = f.bytes.toString('utf8');
        if (f.number === 2 && f.bytes) value = f.bytes.toString('utf8');
      }
      ts.labels[name] = value;
    } else if (field.number === 2 && field.bytes) {
      let value = 0;
      let timestamp = 0;
      for (const f of fields(field.bytes)) {
        if (f.number === 1 && f.fixed64) value = f.fixed64.readDoubleLE(0);
        if (f.number === 2 && f.varint !== undefined) timestamp = f.varint;
      }
      ts.samples.push({ value, timestamp });
    }
  }
  return ts;
}

interface Field {
  number: number;
  varint?: number;
  fixed64?: Buffer;
  bytes?: Buffer;
}

function* fields(buf: Buffer): Generator<Field> {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      if (pos >= buf.length) throw new Error('protobuf: truncated varint');
      const byte = buf[pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
    }
  };
  while (pos < buf.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    switch (key & 7) {
      case 0:
        yield { number, varint: varint() };
        break;
      case 1:
        yield { number, fixed64: buf.subarray(pos, (pos += 8)) };
        break;
      case 2: {
        const length = varint();
        if (pos + length > buf.length) throw new Error('protobuf: length-delimited field runs past the end');
        yield { number, bytes: buf.subarray(pos, (pos += length)) };
        break;
      }
      case 5:
        pos += 4;
        break;
      default:
        throw new Error(`protobuf: unsupported wire type ${key & 7}`);
    }
  }
}

export function encodeWriteRequest(series: TimeSeries[]): Buffer {
  const out: Buffer[] = [];
  for (const ts of series) {
    const parts: Buffer[] = [];
    for (const name of Object.keys(ts.labels).sort()) {
      parts.push(lengthDelimited(1, Buffer.concat([lengthDelimited(1, Buffer.from(name)), lengthDelimited(2, Buffer.from(ts.labels[name]!))])));
    }
    for (const sample of ts.samples) {
      const value = Buffer.alloc(9);
      value[0] = (1 << 3) | 1;
      value.writeDoubleLE(sample.value, 1);
      parts.push(lengthDelimited(2, Buffer.concat([value, varintField(2, sample.timestamp)])));
    }
    out.push(lengthDelimited(1, Buffer.concat(parts)));
  }
  return Buffer.concat(out);
}

function varintBytes(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

function varintField(number: number, value: number): Buffer {
  return Buffer.concat([varintBytes(number << 3), varintBytes(value)]);
}

function lengthDelimited(number: number, payload: Buffer): Buffer {
  return Buffer.concat([varintBytes((number << 3) | 2), varintBytes(payload.length), payload]);
}
