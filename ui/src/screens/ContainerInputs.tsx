// Container code fields with live ISO 6346 validation: a neutral hint
// while the code is incomplete, an error as soon as a character is wrong,
// and the expected check digit when only that is wrong.

import type { ReactNode } from "react";
import { containerCheckText } from "../app/labels.ts";
import type { ContainerState } from "../domain/inspectionForm.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";

function tone(c: ContainerState): "ok" | "bad" | "hint" {
  if (c.duplicate) return "bad";
  if (c.check.kind === "valid") return "ok";
  if (c.check.kind === "empty" || c.check.kind === "incomplete") return "hint";
  return "bad";
}

export function ContainerInputs(props: {
  values: readonly string[];
  states: readonly ContainerState[];
  /** Incomplete codes count as errors once the crew tried to send. */
  strict: boolean;
  onChange: (values: string[]) => void;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const { values, states } = props;
  const set = (i: number, v: string): void => props.onChange(values.map((old, j) => (j === i ? v : old)));
  const remove = (i: number): void => {
    const next = values.filter((_, j) => j !== i);
    props.onChange(next.length === 0 ? [""] : next);
  };
  return (
    <fieldset className="group">
      <legend>{t("form.containers")}</legend>
      <p className="hint">{t("form.containerHint")}</p>
      {values.map((value, i) => {
        const n = i + 1;
        const state = states[i];
        if (state === undefined) return null;
        let kind = tone(state);
        if (props.strict && state.check.kind === "incomplete") kind = "bad";
        const text = state.duplicate ? t("form.containerDuplicate") : containerCheckText(i18n, state.check);
        const id = `container-${n}`;
        return (
          <div className="field container-row" key={i}>
            <label htmlFor={id}>{t("form.container", { n })}</label>
            <div className="row">
              <input
                id={id}
                className="code"
                value={value}
                onChange={(e) => set(i, e.target.value)}
                autoComplete="off"
                autoCapitalize="characters"
                spellCheck={false}
                aria-invalid={kind === "bad"}
                aria-describedby={`${id}-msg`}
              />
              <button
                type="button"
                className="btn"
                onClick={() => remove(i)}
                aria-label={t("form.removeContainer", { n })}
                title={t("form.removeContainer", { n })}
              >
                ✕
              </button>
            </div>
            <p id={`${id}-msg`} className={kind === "hint" ? "hint" : `msg ${kind}`} data-testid={`${id}-msg`}>
              {text ?? ""}
            </p>
          </div>
        );
      })}
      <button type="button" className="btn" onClick={() => props.onChange([...values, ""])}>
        {t("form.addContainer")}
      </button>
    </fieldset>
  );
}
