/**
 * @module The waiting room's text in English and Japanese (web/features/reception/), kept
 * apart from en.ts and ja.ts, which include it as `reception`.
 */

/** Milliseconds as a short English duration ("45 s", "3 min"). */
function durationEn(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return s < 90 ? `${s} s` : `${Math.round(s / 60)} min`;
}

function durationJa(ms: number): string {
  const s = Math.max(1, Math.round(ms / 1000));
  return s < 90 ? `${s}秒` : `${Math.round(s / 60)}分`;
}

export const receptionEn = {
  title: 'Waiting room',
  bannerTitle: 'In line.',
  bannerText: 'Nothing is computing yet: every server is busy, and work starts by itself when one has a place.',
  lead: 'Every server is busy right now. You have a place in line and this page will let you in by itself; you can leave it open in the background. Reloading keeps your place.',
  asking: 'Asking reception for a place on a server…',
  position: (n: number) => (n === 0 ? 'You are next in line.' : `${n} ${n === 1 ? 'person is' : 'people are'} ahead of you.`),
  estimate: (lowMs: number, highMs: number) => `Expected wait: ${durationEn(lowMs)} to ${durationEn(highMs)}.`,
  estimateUnknown: 'Estimate not known yet: reception has not measured enough visits to say.',
  progressLabel: 'Progress through the line',
  retryIn: (s: number) => (s > 0 ? `Asking again in ${s} s.` : 'Asking again now…'),
  mute: 'Mute the sound when admitted',
  admitted: 'You are in: a server has a place for you.',
  failed: {
    'reception-unreachable': 'Reception could not be reached. It may be restarting; this page tries again.',
    'reception-refused': 'Reception refused the request.',
    'ticket-refused': 'The server refused the admission tickets reception gave. Reload the page to ask again.',
    'wait-too-long': 'You waited over an hour without a place. Reload the page to try again.',
  } as Record<string, string>,
  detail: (d: string) => `Details: ${d}`,
};

export const receptionJa: typeof receptionEn = {
  title: '待合室',
  bannerTitle: '順番待ち中。',
  bannerText: 'まだ何も計算していません。すべてのサーバーが混み合っています。空きができると自動で始まります。',
  lead: '現在、すべてのサーバーが混み合っています。順番待ちの列に並んでいるので、順番が来ると自動で入れます。このページはバックグラウンドで開いたままで構いません。再読み込みしても順番は保たれます。',
  asking: '受付にサーバーの空きを問い合わせています…',
  position: (n: number) => (n === 0 ? '次はあなたの番です。' : `あなたの前に${n}人います。`),
  estimate: (lowMs: number, highMs: number) => `予想待ち時間: ${durationJa(lowMs)}〜${durationJa(highMs)}。`,
  estimateUnknown: '予想待ち時間はまだ分かりません(受付の計測がまだ足りません)。',
  progressLabel: '列の進み具合',
  retryIn: (s: number) => (s > 0 ? `${s}秒後にもう一度問い合わせます。` : 'もう一度問い合わせています…'),
  mute: '入れたときの音を消す',
  admitted: '入れました。サーバーに空きができました。',
  failed: {
    'reception-unreachable': '受付に接続できませんでした。再起動中かもしれません。このページが再試行します。',
    'reception-refused': '受付が要求を拒否しました。',
    'ticket-refused': '受付が発行した入場券をサーバーが拒否しました。ページを再読み込みしてもう一度お試しください。',
    'wait-too-long': '1時間以上待っても空きがありませんでした。ページを再読み込みしてもう一度お試しください。',
  },
  detail: (d: string) => `詳細: ${d}`,
};
