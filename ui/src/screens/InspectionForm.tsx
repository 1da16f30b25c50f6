// A new inspection: tractor and trailer plates, container codes (checked
// live), declaration number and notes. Rust checks everything again.

import { useState, type FormEvent, type ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { Kbd } from "../app/Kbd.tsx";
import { useShortcut } from "../app/shortcuts.ts";
import { useTransport } from "../app/TransportProvider.tsx";
import { EMPTY_FORM, toNewInspection, validateForm, type FormValues, type TextState } from "../domain/inspectionForm.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { Translator } from "../i18n/translate.ts";
import { toErrorBody } from "../transport/errors.ts";
import type { InspectionView } from "../transport/types.ts";
import { ContainerInputs } from "./ContainerInputs.tsx";
import { PlateInput } from "./PlateInput.tsx";

function textMessage({ t }: Pick<Translator, "t">, s: TextState): string | null {
  if (s.state === "too_long") return t("form.tooLong", { max: s.max });
  if (s.state === "control_chars") return t("form.controlChars");
  return null;
}

export function InspectionForm(props: { onCreated: (v: InspectionView) => void; onCancel: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useTransport();
  const [values, setValues] = useState<FormValues>(EMPTY_FORM);
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const v = validateForm(values);
  const set = (patch: Partial<FormValues>): void => setValues((old) => ({ ...old, ...patch }));

  const submit = async (): Promise<void> => {
    setTried(true);
    const input = toNewInspection(values);
    if (input === null || busy) return;
    setBusy(true);
    setError(null);
    try {
      props.onCreated(await transport.createInspection(input));
    } catch (e) {
      setError(toErrorBody(e));
    } finally {
      setBusy(false);
    }
  };
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    void submit();
  };
  useShortcut({ key: "Enter", ctrl: true }, () => void submit());

  const declarationMsg = textMessage(i18n, v.declaration);
  const notesMsg = textMessage(i18n, v.notes);

  return (
    <form className="panel" onSubmit={onSubmit} aria-labelledby="form-title" noValidate>
      <h1 id="form-title">{t("form.title")}</h1>
      <div className="columns">
        <PlateInput
          id="tractor"
          label={t("form.tractor")}
          value={values.tractor}
          state={v.tractor}
          required
          showEmpty={tried}
          onChange={(tractor) => set({ tractor })}
        />
        <PlateInput
          id="trailer"
          label={t("form.trailer")}
          value={values.trailer}
          state={v.trailer}
          required={false}
          showEmpty={false}
          onChange={(trailer) => set({ trailer })}
        />
      </div>
      <ContainerInputs
        values={values.containers}
        states={v.containers}
        strict={tried}
        onChange={(containers) => set({ containers })}
      />
      <div className="field">
        <label htmlFor="declaration">{t("form.declaration")}</label>
        <input
          id="declaration"
          className="code"
          value={values.declaration}
          onChange={(e) => set({ declaration: e.target.value })}
          autoComplete="off"
          spellCheck={false}
          aria-invalid={declarationMsg !== null}
          aria-describedby="declaration-msg"
        />
        <p id="declaration-msg" className="msg bad">
          {declarationMsg ?? ""}
        </p>
      </div>
      <div className="field">
        <label htmlFor="notes">{t("form.notes")}</label>
        <textarea
          id="notes"
          rows={4}
          value={values.notes}
          onChange={(e) => set({ notes: e.target.value })}
          aria-invalid={notesMsg !== null}
          aria-describedby="notes-msg"
        />
        <p id="notes-msg" className="msg bad">
          {notesMsg ?? ""}
        </p>
      </div>
      {tried && !v.canSubmit ? (
        <p className="msg bad" role="alert">
          {t("form.fixFirst")}
        </p>
      ) : null}
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy}>
          {busy ? t("form.submitting") : t("form.submit")} <Kbd keys={t("kbd.submit")} />
        </button>
        <button type="button" className="btn" onClick={props.onCancel}>
          {t("form.cancel")} <Kbd keys={t("kbd.back")} />
        </button>
      </div>
    </form>
  );
}
