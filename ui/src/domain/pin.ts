// A PIN as the vehicle takes it (crates/kordon-vehicle, `check_pin_shape`):
// 4 to 64 characters, none a control character: a PIN of digits, or a
// password. Checked in the UI before anything is sent, and by the
// in-memory transport as the vehicle checks it.

export const PIN_MIN = 4;
export const PIN_MAX = 64;

/** What is wrong with a PIN's shape; null when the vehicle would take it. */
export type PinProblem = "short" | "long" | "control";

export function pinProblem(pin: string): PinProblem | null {
  const n = Array.from(pin).length;
  if (n < PIN_MIN) return "short";
  if (n > PIN_MAX) return "long";
  // Rust `char::is_control`: general category Cc.
  if (/\p{Cc}/u.test(pin)) return "control";
  return null;
}
