import type { ReactNode } from "react";
import { plateErrorText } from "../app/labels.ts";
import type { PlateState } from "../domain/inspectionForm.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";

/** A plate field that shows, while typing, how the plate will be stored. */
export function PlateInput(props: {
  id: string;
  label: string;
  value: string;
  state: PlateState;
  /** Say "enter the plate" when empty (after a first attempt to send). */
  required: boolean;
  showEmpty: boolean;
  onChange: (v: string) => void;
}): ReactNode {
  const i18n = useI18n();
  const { state } = props;
  const invalid = state.state === "invalid" || (props.required && props.showEmpty && state.state === "empty");
  const message =
    state.state === "valid"
      ? i18n.t("form.canonical", { plate: state.canonical })
      : state.state === "invalid"
        ? plateErrorText(i18n, state.error)
        : invalid
          ? i18n.t("form.plate.empty")
          : i18n.t("form.plateHint");
  return (
    <div className="field">
      <label htmlFor={props.id}>{props.label}</label>
      <input
        id={props.id}
        className="code"
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        aria-invalid={invalid}
        aria-describedby={`${props.id}-msg`}
        required={props.required}
      />
      <p id={`${props.id}-msg`} className={invalid ? "msg bad" : state.state === "valid" ? "msg ok" : "hint"}>
        {message}
      </p>
    </div>
  );
}
