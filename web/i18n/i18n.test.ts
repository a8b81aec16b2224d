/**
 * @module Tests of the language choice and of the two message sets' completeness.
 */
import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { ja } from './ja.ts';
import { initialLang } from './index.ts';

/** Every leaf path of a messages object, with its kind (string or function). */
function leaves(obj: object, prefix = ''): string[] {
  return Object.entries(obj).flatMap(([k, v]) =>
    typeof v === 'object' && v !== null ? leaves(v as object, `${prefix}${k}.`) : [`${prefix}${k}:${typeof v}`],
  );
}

describe('i18n', () => {
  it('chooses the stored language, then the browser’s, then English', () => {
    expect(initialLang('ja', ['en-US'])).toBe('ja');
    expect(initialLang(null, ['fr-FR', 'ja-JP'])).toBe('ja');
    expect(initialLang('xx', ['de'])).toBe('en');
    expect(initialLang(null, [])).toBe('en');
  });

  it('has every English message in Japanese, of the same kind, and actually translated', () => {
    expect(leaves(ja).sort()).toEqual(leaves(en).sort());
    expect(ja.volunteer.start).not.toBe(en.volunteer.start);
    expect(ja.volunteer.statusComputing(2)).toContain('2');
  });
});
