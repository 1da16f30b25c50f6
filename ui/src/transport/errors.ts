// Errors at the UI boundary: `{ code, message }` (Rust's `ApiError`), where
// code is one of ERROR_CODES (generated from `ApiError::CODES`) and message
// is Rust's English text (a detail: the UI shows its own words for the code).

import { ERROR_CODES } from "./generated.ts";

export { ERROR_CODES };

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The error shape on the wire. */
export interface TransportErrorBody {
  code: string;
  message: string;
}

/** What a transport rejects with. */
export class TransportError extends Error implements TransportErrorBody {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "TransportError";
    this.code = code;
  }
}

export function isErrorCode(code: string): code is ErrorCode {
  return (ERROR_CODES as readonly string[]).includes(code);
}

/** Any thrown value as a `{ code, message }` the UI can show. */
export function toErrorBody(e: unknown): { code: ErrorCode | "unknown"; message: string } {
  if (e instanceof TransportError) return { code: e.code, message: e.message };
  if (typeof e === "object" && e !== null && "code" in e && "message" in e) {
    const { code, message } = e;
    if (typeof code === "string" && typeof message === "string") {
      return { code: isErrorCode(code) ? code : "unknown", message };
    }
  }
  return { code: "unknown", message: e instanceof Error ? e.message : String(e) };
}
