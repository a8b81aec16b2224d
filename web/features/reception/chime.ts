/**
 * @module The short sound played when a waiting visitor is admitted: a WebAudio oscillator
 * (no asset file), a soft two-note rise of {@link ADMISSION_CHIME_MS}. Silent where the
 * browser has no WebAudio or blocks it.
 */
import { ADMISSION_CHIME_MS } from '../../../shared/limits.ts';

/** Plays the chime; returns false when it could not (no WebAudio). */
export function playChime(): boolean {
  const Ctx = globalThis.AudioContext;
  if (!Ctx) return false;
  try {
    const ctx = new Ctx();
    const t = ctx.currentTime;
    const end = t + ADMISSION_CHIME_MS / 1000;
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(660, t);
    osc.frequency.setValueAtTime(880, t + ADMISSION_CHIME_MS / 2000);
    gain.gain.setValueAtTime(0.12, t);
    gain.gain.exponentialRampToValueAtTime(0.001, end);
    osc.connect(gain).connect(ctx.destination);
    osc.onended = () => void ctx.close();
    void ctx.resume().catch(() => undefined);
    osc.start(t);
    osc.stop(end);
    return true;
  } catch {
    return false;
  }
}
