import { describe, expect, it } from 'vitest';
import { escapeControl, hasControl } from '../../src/util/escape.js';

describe('escapeControl', () => {
  it.each([
    ['plain text', 'KND0001 DCIM/100MEDIA/a.MP4', 'KND0001 DCIM/100MEDIA/a.MP4'],
    ['a forged log line', 'x\n12:00:00 info  ingest complete', 'x\\n12:00:00 info  ingest complete'],
    ['a terminal escape (clear screen, colour)', '\u001b[2J\u001b[31mRED', '\\e[2J\\e[31mRED'],
    ['carriage return and tab', 'a\rb\tc', 'a\\rb\\tc'],
    ['NUL, BEL, DEL and a C1 CSI', '\u0000\u0007\u007f\u009b', '\\x00\\x07\\x7f\\x9b'],
    ['bidi override and line separator', 'abc\u202edcba\u2028', 'abc\\u{202e}dcba\\u{2028}'],
    ['non-ASCII letters stay', 'Kamera-Ü 摄像机', 'Kamera-Ü 摄像机'],
  ])('%s', (_n, input, want) => {
    expect(escapeControl(input)).toBe(want);
    expect(hasControl(input)).toBe(input !== want);
  });
});
