import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../src/custody/index.js';

describe('canonicalJson', () => {
  const cases: [string, unknown, string][] = [
    ['null', null, 'null'],
    ['booleans', [true, false], '[true,false]'],
    ['integer', 42, '42'],
    ['negative zero', -0, '0'],
    ['float', 1.5, '1.5'],
    ['large exponent', 1e21, '1e+21'],
    ['string escapes', 'a"b\\c\n\u0001', '"a\\"b\\\\c\\n\\u0001"'],
    ['unicode kept as is', '张三 ✓', '"张三 ✓"'],
    ['empty object', {}, '{}'],
    ['empty array', [], '[]'],
    ['keys sorted', { b: 1, a: 2, c: 3 }, '{"a":2,"b":1,"c":3}'],
    ['nested keys sorted', { z: { y: 1, x: [{ b: 1, a: 2 }] }, a: null }, '{"a":null,"z":{"x":[{"a":2,"b":1}],"y":1}}'],
    ['UTF-16 code-unit order', { a: 1, B: 2, _: 3, '10': 4, '9': 5, é: 6 }, '{"10":4,"9":5,"B":2,"_":3,"a":1,"é":6}'],
    ['undefined members omitted', { a: undefined, b: 1 }, '{"b":1}'],
    ['undefined in arrays becomes null', [undefined, 1], '[null,1]'],
    ['Date via toJSON', { at: new Date('2026-11-26T08:30:00Z') }, '{"at":"2026-11-26T08:30:00.000Z"}'],
    ['null prototype object', Object.assign(Object.create(null) as object, { b: 1, a: 1 }), '{"a":1,"b":1}'],
  ];
  it.each(cases)('%s', (_name, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('gives the same text whatever the insertion order', () => {
    expect(canonicalJson({ x: 1, y: { q: 2, p: 3 } })).toBe(canonicalJson({ y: { p: 3, q: 2 }, x: 1 }));
  });

  it('round-trips through JSON.parse unchanged', () => {
    const text = canonicalJson({ b: [1, { d: 'x', c: null }], a: true });
    expect(canonicalJson(JSON.parse(text))).toBe(text);
  });

  const bad: [string, unknown][] = [
    ['NaN', NaN], ['Infinity', { a: Infinity }], ['bigint', 1n], ['function', { f: () => 1 }],
    ['symbol', Symbol('s')], ['Map', new Map()], ['top-level undefined', undefined],
  ];
  it.each(bad)('refuses %s', (_name, value) => {
    expect(() => canonicalJson(value)).toThrow(TypeError);
  });
});
