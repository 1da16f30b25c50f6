// Words for values that come from Rust or the domain (outcomes, verdicts,
// error codes, validation results), so components never spell them out.

import type { ContainerCheck } from "../domain/iso6346.ts";
import type { PlateError } from "../domain/plate.ts";
import { isCommonReason } from "../domain/reason.ts";
import { isItemKind } from "../domain/training.ts";
import type { ReviewState } from "../domain/review.ts";
import type { Translator } from "../i18n/translate.ts";
import { isErrorCode } from "../transport/errors.ts";
import type { RecordSync } from "../transport/transport.ts";
import type {
  AlertResponseKind,
  AlertSource,
  MatchTier,
  Outcome,
  PlateRole,
  Priority,
  ReadImageKind,
  TrainingDecision,
  TrainingOutcome,
  Verdict,
} from "../transport/types.ts";

type T = Pick<Translator, "t">;

export const outcomeLabel = ({ t }: T, o: Outcome | null): string =>
  t(o === null ? "outcome.undecided" : `outcome.${o}`);

export const verdictLabel = ({ t }: T, v: Verdict): string => t(`verdict.${v}`);

export const recordSyncLabel = ({ t }: T, s: RecordSync): string => t(`recordSync.${s}`);

/** The UI's own words for a `VehicleError::code()`. */
export const errorText = ({ t }: T, code: string): string =>
  t(isErrorCode(code) ? `errors.${code}` : "errors.unknown");

export function plateErrorText({ t }: T, e: PlateError): string {
  switch (e.kind) {
    case "empty":
      return t("form.plate.empty");
    case "too_long":
      return t("form.plate.too_long");
    case "bad_character":
      return t("form.plate.bad_character", { ch: e.ch });
  }
}

/** What to say under a container field; null when it is empty. */
export function containerCheckText({ t }: T, c: ContainerCheck): string | null {
  switch (c.kind) {
    case "empty":
      return null;
    case "incomplete":
      return t("container.incomplete", { length: c.length });
    case "too_long":
      return t("container.too_long", { length: c.length });
    case "bad_owner":
      return t("container.bad_owner");
    case "bad_category":
      return t("container.bad_category", { category: c.category });
    case "bad_digits":
      return t("container.bad_digits");
    case "wrong_check_digit":
      return t("container.wrong_check_digit", { found: String(c.found), expected: String(c.expected) });
    case "valid":
      return t("container.valid", { code: c.code });
  }
}

/** A reason code's description, when it is one of the common ones. */
export function reasonLabel({ t }: T, code: string): string | null {
  return isCommonReason(code) ? t(`reason.${code}`) : null;
}

export const reviewStateLabel = ({ t }: T, s: ReviewState): string => t(`reviewState.${s}`);

export const plateRoleLabel = ({ t }: T, r: PlateRole): string => t(`reads.role.${r}`);

/** Camera makers by their own spelling: names, not words to translate. */
const ANPR_VENDORS: Readonly<Record<string, string>> = { hikvision: "Hikvision", dahua: "Dahua", axis: "Axis" };

/** Who made the camera of a read; a vendor this UI does not know is shown as it is. */
export const anprVendorLabel = ({ t }: T, vendor: string): string =>
  vendor === "generic" ? t("reads.vendor.generic") : (ANPR_VENDORS[vendor] ?? vendor);

/** How a hotlist hit matched: exact, look-alike characters, one character off, a risk profile. */
export const matchTierLabel = ({ t }: T, tier: MatchTier): string => t(`alerts.tier.${tier}`);

/** The crew's answer to an alert, as a past fact ("Confirmed", "False match", "Action taken"). */
export const alertResponseLabel = ({ t }: T, r: AlertResponseKind): string => t(`alerts.response.${r}`);

export const priorityLabel = ({ t }: T, p: Priority): string => t(`alerts.priority.${p}`);

/** What raised an alert: a camera's read or a plate the crew typed. */
export const alertSourceLabel = ({ t }: T, s: AlertSource): string => t(`alerts.source.${s}`);

export const readImageKindLabel = ({ t }: T, k: ReadImageKind): string => t(`reads.image.${k}`);

/** How an answered training image scored: hit, miss, false alarm, correct rejection. */
export const trainingOutcomeLabel = ({ t }: T, o: TrainingOutcome): string => t(`training.outcome.${o}`);

export const trainingDecisionLabel = ({ t }: T, d: TrainingDecision): string => t(`training.${d}`);

/** What a training image hid; a kind this UI does not know is shown as it is. */
export const itemKindLabel = ({ t }: T, kind: string): string => (isItemKind(kind) ? t(`training.item.${kind}`) : kind);
