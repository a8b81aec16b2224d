import { describe, expect, it } from 'vitest';
import { detokenize, isSupportedLanguage, tokenize } from './tokenize.ts';

describe('tokenize', () => {
  it('lower-cases, NFC-normalises and splits punctuation off words', () => {
    expect(tokenize('Das Haus, ja.', 'de')).toEqual(['das', 'haus', ',', 'ja', '.']);
    expect(tokenize('  "Hello"  (world)!\tBye', 'en')).toEqual(['"', 'hello', '"', '(', 'world', ')', '!', 'bye']);
    // e + combining acute (NFD) becomes the single precomposed letter.
    expect(tokenize('Cafe\u0301', 'fr')).toEqual(['caf\u00e9']);
  });

  it('keeps apostrophes, hyphens and number separators inside words', () => {
    expect(tokenize("Don't well-known 3.14 1,000 end.", 'en')).toEqual(["don't", 'well-known', '3.14', '1,000', 'end', '.']);
    expect(tokenize("'quoted'", 'en')).toEqual(["'", 'quoted', "'"]);
  });

  it('segments Japanese and Chinese into words with ICU', () => {
    const ja = tokenize('私は東京の大学で勉強します。', 'ja');
    expect(ja).toContain('東京');
    expect(ja).toContain('大学');
    expect(ja.at(-1)).toBe('。');
    expect(ja.join('')).toBe('私は東京の大学で勉強します。');
    const zh = tokenize('我在北京大学学习中文。', 'zh');
    expect(zh).toContain('北京');
    expect(zh).toContain('中文');
    expect(zh.length).toBeGreaterThan(3);
    expect(tokenize('東京 Tokyo、2026年', 'ja')).toEqual(['東京', 'tokyo', '、', '2026', '年']);
  });

  it('returns no tokens for blank text', () => {
    expect(tokenize(' \t ', 'en')).toEqual([]);
    expect(tokenize('', 'ja')).toEqual([]);
  });
});

describe('detokenize', () => {
  it('puts spaces between words, none before closing or after opening punctuation', () => {
    expect(detokenize(['das', 'haus', ',', 'ja', '.'], 'de')).toBe('das haus, ja.');
    expect(detokenize(['(', 'a', ')', 'b', '!'], 'en')).toBe('(a) b!');
  });

  it('joins Japanese and Chinese without spaces, except between Latin runs', () => {
    expect(detokenize(['東京', 'の', '大学', '。'], 'ja')).toBe('東京の大学。');
    expect(detokenize(['我', '用', 'ios', '17', '。'], 'zh')).toBe('我用ios 17。');
  });

  it('writes English as text: clitics, brackets, straight quotes, punctuation', () => {
    const en = (t: string) => detokenize(t.split(' '), 'en');
    expect(en("the man 's hat")).toBe("the man's hat");
    expect(en("i do n't know , they 're here")).toBe("i don't know, they're here");
    expect(en('( a )')).toBe('(a)');
    expect(en('he said " quoted " .')).toBe('he said "quoted".');
    expect(en('" a " and " b "')).toBe('"a" and "b"');
    expect(en("' single ' quotes")).toBe("'single' quotes");
    expect(en('a , b .')).toBe('a, b.');
    expect(en('“ curly ” and ‘ single ’')).toBe('“curly” and ‘single’');
    expect(en('50 % ; really ? yes !')).toBe('50%; really? yes!');
  });

  it('writes French with its spaces: before ; : ! ? », after «, none after an elision', () => {
    const fr = (t: string) => detokenize(t.split(' '), 'fr');
    expect(fr("l' homme")).toBe("l'homme");
    expect(fr("qu' il a dit")).toBe("qu'il a dit");
    expect(fr('« bonjour »')).toBe('« bonjour »');
    expect(fr('il a dit : « viens ! »')).toBe('il a dit : « viens ! »');
    expect(fr('vraiment ? oui ; non .')).toBe('vraiment ? oui ; non.');
    expect(fr('( a , b )')).toBe('(a, b)');
    expect(detokenize(["l'", 'uomo'], 'it')).toBe("l'uomo");
    // English has no elision: a word ending in an apostrophe keeps its space.
    expect(detokenize(["rock'", 'roll'], 'en')).toBe("rock' roll");
  });

  it('writes Czech like English, quoting „so“', () => {
    const cs = (t: string) => detokenize(t.split(' '), 'cs');
    expect(cs('muž , žena a dítě .')).toBe('muž, žena a dítě.');
    expect(cs('( a ) ano ? ne !')).toBe('(a) ano? ne!');
    expect(cs('řekl „ ahoj “ .')).toBe('řekl „ahoj“.');
    expect(cs('" ahoj "')).toBe('"ahoj"');
    expect(detokenize(['„', 'so', '“'], 'de-AT')).toBe('„so“');
  });

  it('round-trips tokenised text of spaced languages, lower-cased', () => {
    for (const [s, lang] of [
      ['He said: "It is (very) good, 50%!"', 'en'],
      ["It's the man's hat; don't.", 'en'],
      ["L'homme a dit : « Bonjour ! »", 'fr'],
      ['Řekl „ahoj“, že?', 'cs'],
    ] as const) {
      expect(detokenize(tokenize(s, lang), lang)).toBe(s.toLowerCase());
    }
  });

  it('round-trips tokenised Japanese', () => {
    const s = '私は東京の大学で勉強します。';
    expect(detokenize(tokenize(s, 'ja'), 'ja')).toBe(s);
  });
});

describe('isSupportedLanguage', () => {
  it('accepts well-formed tags of known languages and refuses the rest', () => {
    for (const t of ['en', 'de', 'ja', 'zh-Hant', 'pt-BR']) expect(isSupportedLanguage(t)).toBe(true);
    for (const t of ['', 'qq', 'english', 'en_US', 'x', '12']) expect(isSupportedLanguage(t)).toBe(false);
  });
});
