import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { iniValue, quoteString, RenderValueError, yamlInline, yamlItems, yamlValue } from '../../supervisor/render/quoting.ts';
import { parseGrafanaIni } from './fixtures.ts';

const HOSTILE = [
  '',
  'plain',
  'x"\n  - job_name: evil',
  "it's: {a: [b]} # not a comment",
  '\\"\\n',
  'tab\there\r\nCRLF',
  'line\u2028separator\u2029para\u0085next',
  'bom\ufeff del\u007f nul\u0000',
  '*alias &anchor !tag %directive @at `tick`',
  'yes',
  'on',
  '~',
  'null',
  '010',
  '1e3',
  'émoji 🎉',
];

describe('YAML quoting', () => {
  it('round-trips hostile strings as scalars', () => {
    for (const value of HOSTILE) {
      const text = quoteString(value);
      assert.ok(!/[\n\r\u2028\u2029\u0085\ufeff\u007f]/.test(text), `raw line break or control character in ${text}`);
      assert.equal(parse(`key: ${text}\n`).key, value);
    }
  });

  it('replaces lone surrogates instead of writing escapes Go YAML refuses', () => {
    assert.equal(quoteString('a\ud800b'), '"a\ufffdb"');
  });

  it('writes nested data in block and flow style that reads back identically', () => {
    const data = { route: { receiver: HOSTILE[2], group_by: ['a', 'b'], routes: [{ matchers: ['x="y"'], continue: true }, []] }, yes: 1, 'key: with colon': {}, n: null, list: [[1, 2], { a: -0 }] };
    assert.deepEqual(parse(`root: ${yamlValue(data, 2)}\n`), { root: { ...data, list: [[1, 2], { a: 0 }] } });
    assert.deepEqual(parse(`root: ${yamlInline(data)}\n`), { root: { ...data, list: [[1, 2], { a: 0 }] } });
    assert.equal(yamlValue([], 4), '[]');
    assert.equal(yamlValue({}, 4), '{}');
  });

  it('continues a list with items, or adds nothing for none', () => {
    const text = `list:\n  - first\n${yamlItems([{ job_name: 'a' }, 'b'], 2)}\n`;
    assert.deepEqual(parse(text), { list: ['first', { job_name: 'a' }, 'b'] });
    assert.equal(yamlItems([], 2), '');
  });

  it('refuses values YAML cannot hold', () => {
    assert.throws(() => yamlInline(Number.NaN), RenderValueError);
    assert.throws(() => yamlInline(() => 1), RenderValueError);
  });
});

describe('INI values', () => {
  it('reads back verbatim the way Grafana parses backtick values', () => {
    for (const value of ['', 'p@ss#word;x', '`both` "quotes"', '  padded  ', '[section]']) {
      assert.equal(parseGrafanaIni(`[s]\nk = ${iniValue(value)}\n`).s?.k, value);
    }
    assert.equal(iniValue(3000), '3000');
    assert.equal(iniValue(false), 'false');
  });

  it('refuses line breaks', () => {
    assert.throws(() => iniValue('a\nb'), /cannot hold a line break/);
  });
});
