import { describe, expect, it } from 'vitest';
import { controlCharAt, nameKey, textProblem, textSchema } from './text.ts';

describe('textSchema', () => {
  const Name = textSchema({ max: 10 });
  const Notes = textSchema({ max: 50, multiLine: true });

  it.each([
    ['a\u0000b', 'NUL'],
    ['a\ud800b', 'lone surrogate'],
    ['a\udc00', 'lone surrogate'],
    ['a\u0007b', 'control character'],
    ['a\u0085b', 'control character'],
    ['\u200b\u200d\ufeff', 'invisible'],
    ['\u3164', 'invisible'],
    ['   ', 'empty'],
    ['x'.repeat(11), 'at most 10'],
  ])('refuses %j with a message naming why', (text, why) => {
    const r = Name.safeParse(text);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.message).join('; ')).toContain(why);
  });

  it('trims and NFC-normalises what it accepts', () => {
    expect(Name.parse('  Cafe\u0301 ')).toBe('Caf\u00e9');
    expect(Name.parse('\u{1F600} ok')).toBe('\u{1F600} ok');
  });

  it('allows line breaks and tabs only in multi-line fields', () => {
    expect(Name.safeParse('a\nb').success).toBe(false);
    expect(Notes.parse('a\n\tb\r\nc')).toBe('a\n\tb\r\nc');
    expect(textProblem('a\u0000', true)).toContain('NUL');
  });
});

describe('nameKey', () => {
  it('equates names differing in case, width, spacing and composition', () => {
    const key = nameKey('Demo Shop');
    for (const other of ['demo  shop', ' DEMO SHOP ', '\uff24\uff45\uff4d\uff4f Shop']) expect(nameKey(other)).toBe(key);
    expect(nameKey('Caf\u00e9')).toBe(nameKey('Cafe\u0301'));
    expect(nameKey('Demo Shop 2')).not.toBe(key);
  });
});

describe('controlCharAt', () => {
  it('finds NUL and other controls, never tabs or line breaks', () => {
    expect(controlCharAt('a\tb\r\nc')).toBe(-1);
    expect(controlCharAt('ab\u0000c')).toBe(2);
    expect(controlCharAt('a\u001bb')).toBe(1);
    expect(controlCharAt('a\u009fb')).toBe(1);
  });
});
