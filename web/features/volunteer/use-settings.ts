/**
 * @module The volunteer settings as a hook: read once from IndexedDB (repaired by the
 * sanitizer), saved on every change. Until the read finishes `loaded` is false, so the page
 * does not start or show defaults it is about to replace.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { getSetting, setSetting } from '../../storage/db.ts';
import { defaultSettings, sanitizeSettings, type VolunteerSettings } from './settings.ts';

export interface SettingsState {
  settings: VolunteerSettings;
  loaded: boolean;
  /** The latest save failed (private mode, storage full): settings apply until reload. */
  saveFailed: boolean;
  update(patch: Partial<VolunteerSettings>): void;
}

export function useVolunteerSettings(): SettingsState {
  const cores = navigator.hardwareConcurrency || undefined;
  const [settings, setSettings] = useState(() => defaultSettings(cores));
  const [loaded, setLoaded] = useState(false);
  const [saveFailed, setSaveFailed] = useState(false);
  const latest = useRef(settings);
  latest.current = settings;
  const touched = useRef(false);

  useEffect(() => {
    getSetting('volunteer')
      .then((stored) => {
        if (!touched.current) setSettings(sanitizeSettings(stored, cores));
      })
      .catch(() => setSaveFailed(true))
      .finally(() => setLoaded(true));
  }, []);

  const update = useCallback((patch: Partial<VolunteerSettings>) => {
    touched.current = true;
    const next = { ...latest.current, ...patch };
    latest.current = next;
    setSettings(next);
    setSetting('volunteer', next).then(
      () => setSaveFailed(false),
      () => setSaveFailed(true),
    );
  }, []);

  return { settings, loaded, saveFailed, update };
}
