// Reason codes for a decision: the common ones as large toggles, any other
// valid code typed in.

import { useState, type ReactNode } from "react";
import { reasonLabel } from "../app/labels.ts";
import { COMMON_REASONS, isCommonReason, isValidReasonCode, normaliseReasonCode } from "../domain/reason.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";

export function ReasonPicker(props: { value: readonly string[]; onChange: (codes: string[]) => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const [other, setOther] = useState("");
  const { value, onChange } = props;
  const toggle = (code: string): void =>
    onChange(value.includes(code) ? value.filter((c) => c !== code) : [...value, code]);
  const typed = normaliseReasonCode(other);
  const typedValid = isValidReasonCode(typed);
  const add = (): void => {
    if (!typedValid) return;
    if (!value.includes(typed)) onChange([...value, typed]);
    setOther("");
  };
  const custom = value.filter((c) => !isCommonReason(c));
  return (
    <fieldset className="group">
      <legend>{t("decision.reasons")}</legend>
      <div className="chips">
        {COMMON_REASONS.map((code) => (
          <label key={code} className="chip">
            <input type="checkbox" checked={value.includes(code)} onChange={() => toggle(code)} />
            <span>{reasonLabel(i18n, code)}</span>
            <span className="code muted">{code}</span>
          </label>
        ))}
        {custom.map((code) => (
          <button
            key={code}
            type="button"
            className="chip chip-custom"
            onClick={() => toggle(code)}
            aria-label={t("decision.reasonRemove", { code })}
          >
            <span className="code">{code}</span> ✕
          </button>
        ))}
      </div>
      <div className="field">
        <label htmlFor="reason-other">{t("decision.reasonOther")}</label>
        <div className="row">
          <input
            id="reason-other"
            className="code"
            value={other}
            onChange={(e) => setOther(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.ctrlKey && !e.metaKey) {
                e.preventDefault();
                add();
              }
            }}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            aria-invalid={other !== "" && !typedValid}
            aria-describedby="reason-other-msg"
          />
          <button type="button" className="btn" onClick={add} disabled={!typedValid}>
            {t("decision.reasonAdd")}
          </button>
        </div>
        <p id="reason-other-msg" className={other !== "" && !typedValid ? "msg bad" : "hint"}>
          {t("decision.reasonInvalid")}
        </p>
      </div>
    </fieldset>
  );
}
