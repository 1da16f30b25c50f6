// Reason codes from the risk catalogue, mirroring `ReasonCode::new` in
// crates/kordon-model/src/types.rs: 1 to 32 of A-Z, 0-9, '_' or '-'.

export const REASON_CODE_MAX = 32;

/** Codes the crew picks most; any other valid code can be typed. */
export const COMMON_REASONS = [
  "DENSITY_ANOMALY",
  "ORGANIC_MASS",
  "DOUBLE_WALL",
  "HOTLIST",
  "SEAL_MISMATCH",
  "MANIFEST_MISMATCH",
] as const;

export type CommonReason = (typeof COMMON_REASONS)[number];

export function isCommonReason(code: string): code is CommonReason {
  return (COMMON_REASONS as readonly string[]).includes(code);
}

/** Upper-cases and trims what was typed; spaces become '_'. */
export function normaliseReasonCode(input: string): string {
  return input.trim().toUpperCase().replace(/\s+/g, "_");
}

export function isValidReasonCode(code: string): boolean {
  return code.length >= 1 && code.length <= REASON_CODE_MAX && /^[A-Z0-9_-]+$/.test(code);
}
