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
  const r = new Reader(buf, 0, buf.length);
  while (r.more()) {
    const key = r.varint();
    if (key === ((1 << 3) | 2)) series.push(decodeTimeSeries(r.nested()));
    else r.skip(key);
  }
  return series;
}

function decodeTimeSeries(r: Reader): TimeSeries {
  const ts: TimeSeries = { labels: {}, samples: [] };
  while (r.more()) {
    const key = r.varint();
    if (key === ((1 << 3) | 2)) {
      const label = r.nested();
      let name = '';
      let value = '';
      while (label.more()) {
        const k = label.varint();
        if (k === ((1 << 3) | 2)) name = label.string();
        else if (k === ((2 << 3) | 2)) value = label.string();
        else label.skip(k);
      }
      ts.labels[name] = value;
    } else if (key === ((2 << 3) | 2)) {
      const sample = r.nested();
      let value = 0;
      let timestamp = 0;
      while (sample.more()) {
        const k = sample.varint();
        if (k === ((1 << 3) | 1)) value = sample.double();
        else if (k === ((2 << 3) | 0)) timestamp = sample.varint();
        else sample.skip(k);
      }
      ts.samples.push({ value, timestamp });
    } else {
      r.skip(key);
    }
  }
  return ts;
}

/** A cursor over one protobuf message, `end` exclusive. */
class Reader {
  constructor(
    private readonly buf: Buffer,
    private pos: number,
    private readonly end: number,
  ) {}

  more(): boolean {
    return this.pos < this.end;
  }

  varint(): number {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      if (this.pos >= this.end) throw new Error('protobuf: truncated varint');
      const byte = this.buf[this.pos++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return result;
    }
  }

  double(): number {
    const value = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return value;
  }

  nested(): Reader {
    const length = this.varint();
    if (this.pos + length > this.end) throw new Error('protobuf: length-delimited field runs past the end');
    const inner = new Reader(this.buf, this.pos, this.pos + length);
    this.pos += length;
    return inner;
  }

  string(): string {
    const length = this.varint();
    if (this.pos + length > this.end) throw new Error('protobuf: string runs past the end');
    const text = this.buf.toString('utf8', this.pos, this.pos + length);
    this.pos += length;
    return text;
  }

  skip(key: number): void {
    switch (key & 7) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        return;
      case 2:
        this.nested();
        return;
      case 5:
        this.pos += 4;
        return;
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
