// Free-text notes. Saving replaces the text; Rust merges it character-wise
// with edits made elsewhere.

import { useState, type ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { Kbd } from "../app/Kbd.tsx";
import { useShortcut } from "../app/shortcuts.ts";
import { useTransport } from "../app/TransportProvider.tsx";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import type { InspectionView } from "../transport/types.ts";

export function NotesEditor(props: { view: InspectionView; onChange: (v: InspectionView) => void }): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const { view } = props;
  const [text, setText] = useState(view.notes);
  const [saved, setSaved] = useState(view.notes);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const dirty = text !== saved;

  // Take notes changed elsewhere (a sync), unless the crew is editing.
  // Only when the stored notes change, not on every keystroke.
  const [stored, setStored] = useState(view.notes);
  if (stored !== view.notes) {
    setStored(view.notes);
    if (!dirty) {
      setText(view.notes);
      setSaved(view.notes);
    }
  }

  const save = async (): Promise<void> => {
    if (!dirty || busy) return;
    setBusy(true);
    setError(null);
    try {
      const v = await transport.setNotes(view.id, text);
      setSaved(v.notes);
      setDone(true);
      props.onChange(v);
    } catch (e) {
      setError(toErrorBody(e));
    } finally {
      setBusy(false);
    }
  };
  useShortcut({ key: "s", ctrl: true }, () => void save());

  return (
    <section className="card" aria-labelledby="notes-title">
      <h2 id="notes-title">
        <label htmlFor="notes-text">{t("notes.title")}</label>
      </h2>
      <textarea
        id="notes-text"
        rows={5}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setDone(false);
        }}
      />
      <div className="actions">
        <button type="button" className="btn" onClick={() => void save()} disabled={!dirty || busy}>
          {busy ? t("notes.saving") : t("notes.save")} <Kbd keys={t("kbd.saveNotes")} />
        </button>
        <span className="muted" aria-live="polite">
          {dirty ? t("notes.unsaved") : done ? t("notes.saved") : ""}
        </span>
      </div>
      <ErrorNotice error={error} />
    </section>
  );
}
