/**
 * @module Documents cut into segments and put back: structure kept verbatim, only sentences
 * of plain text offered for translation, sentence ends found (abbreviations, initials,
 * Japanese full stops), and reassembly in original order.
 */
import { describe, expect, it } from 'vitest';
import { assembleDocument, splitDocument, splitSentences } from './document.ts';

/** Reassembles with every segment upper-cased, so what was translated is visible. */
const shout = (doc: string, format: 'text' | 'markdown', lang = 'en') => {
  const { parts, segments } = splitDocument(doc, format, lang);
  return { segments, out: assembleDocument(parts, segments.map((s) => s.toUpperCase())) };
};

describe('splitSentences', () => {
  it('ends sentences at . ! ? before a capital, not after abbreviations or initials', () => {
    const s = splitSentences('Dr. Who met J. R. Smith, e.g. here. Really? Yes! 3 came.', 'en').map((x) => x.sentence);
    expect(s).toEqual(['Dr. Who met J. R. Smith, e.g. here.', 'Really?', 'Yes!', '3 came.']);
    expect(splitSentences('pi is 3.14 today. ok', 'en').map((x) => x.sentence)).toEqual(['pi is 3.14 today. ok']);
  });

  it('splits Japanese and Chinese at 。！？ with no space after', () => {
    expect(splitSentences('犬が来た。猫は？「はい！」次', 'ja').map((x) => x.sentence)).toEqual(['犬が来た。', '猫は？', '「はい！」', '次']);
  });
});

describe('splitDocument / assembleDocument', () => {
  it('reassembles the document unchanged when every segment is its own translation', () => {
    const doc = '# Title\n\nOne. Two.\n\n- item *one*\n- [link text](http://x.y/z)\n\n```\ncode. Here.\n```\n';
    const { parts, segments } = splitDocument(doc, 'markdown', 'en');
    expect(assembleDocument(parts, segments)).toBe(doc);
  });

  it('keeps Markdown structure verbatim and translates only text', () => {
    const doc = [
      '## The dog',
      '',
      'The dog bit the man. He ran',
      'away.',
      '',
      '> A quote here.',
      '1. first `code span` item',
      '* see [the docs](https://example.com/a_b) now',
      '',
      '```js',
      'const x = "not translated.";',
      '```',
      '',
      '| a cell | b |',
      '|---|:-:|',
      '',
      '***',
      'snake_case **bold** end',
    ].join('\n');
    const { out, segments } = shout(doc, 'markdown');
    expect(out).toBe(
      [
        '## THE DOG',
        '',
        'THE DOG BIT THE MAN. HE RAN AWAY.',
        '',
        '> A QUOTE HERE.',
        '1. FIRST `code span` ITEM',
        '* SEE [THE DOCS](https://example.com/a_b) NOW',
        '',
        '```js',
        'const x = "not translated.";',
        '```',
        '',
        '| A CELL | B |',
        '|---|:-:|',
        '',
        '***',
        'SNAKE_CASE **BOLD** END',
      ].join('\n'),
    );
    expect(segments).toContain('He ran away.');
    expect(segments.some((s) => s.includes('not translated'))).toBe(false);
  });

  it('treats plain text as paragraphs: blank lines kept, wrapped lines joined, no Markdown', () => {
    const { out, segments } = shout('First line\ngoes on. Next one.\n\n\n# not a heading *x*\r\n', 'text');
    expect(segments).toEqual(['First line goes on.', 'Next one.', '# not a heading *x*']);
    expect(out).toBe('FIRST LINE GOES ON. NEXT ONE.\n\n\n# NOT A HEADING *X*\n');
  });

  it('refuses to assemble with a missing translation', () => {
    const { parts } = splitDocument('One. Two.', 'text', 'en');
    expect(() => assembleDocument(parts, ['eins'])).toThrow(RangeError);
  });
});
