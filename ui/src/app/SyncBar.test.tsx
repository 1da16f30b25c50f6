// @vitest-environment jsdom
import { cleanup, fireEvent, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryTransport } from "../transport/memory.ts";
import type { SyncEvent } from "../transport/transport.ts";
import type { Status } from "../transport/types.ts";
import { renderWith } from "../test/renderWith.tsx";
import { SyncBar } from "./SyncBar.tsx";

afterEach(cleanup);

const status = (over: Partial<Status> = {}): Status => ({
  device: "ab".repeat(32),
  unit: "MOBILE-1",
  enrolled: true,
  server: "127.0.0.1:4433",
  officer: "OF-1742",
  inspections: 3,
  pending: 0,
  acknowledged: 10,
  received: 1,
  rejected: 0,
  blobs: { pending: 0, bytes_pending: 0, bytes_done: 0, delivered: 0 },
  last_sync_ms: null,
  last_attempt_ms: null,
  last_error: null,
  revoked: null,
  disk: { free_bytes: 180e9, total_bytes: 250e9, low: false },
  ...over,
});

function show(event: SyncEvent, lang: "en" | "uk" = "en"): () => void {
  const onSyncNow = vi.fn();
  renderWith(<SyncBar event={event} onSyncNow={onSyncNow} />, { transport: createMemoryTransport(), lang });
  return onSyncNow;
}

describe("SyncBar", () => {
  it("shows the link, what is pending, and the last acknowledged sync in local time", () => {
    show({
      link: "online",
      error: null,
      status: status({
        pending: 4,
        blobs: { pending: 1, bytes_pending: 48_000_780, bytes_done: 0, delivered: 0 },
        last_sync_ms: Date.UTC(2026, 10, 24, 12, 5, 9),
      }),
    });
    expect(screen.getByTestId("sync-link").textContent).toBe("Online");
    expect(screen.getByText("Records to send: 4")).toBeTruthy();
    expect(screen.getByText("Scans to send: 48 MB")).toBeTruthy();
    // 12:05 UTC is 14:05 in Kyiv.
    expect(screen.getByText("Last acknowledged sync: 24 Nov 2026, 14:05:09")).toBeTruthy();
    expect(screen.queryByTestId("sync-error")).toBeNull();
  });

  it("says when the disk is almost full, with what is free, and is silent otherwise", () => {
    show({ link: "online", error: null, status: status() });
    expect(screen.queryByTestId("disk-low")).toBeNull();
    cleanup();
    show({ link: "online", error: null, status: status({ disk: { free_bytes: 12_400_000, total_bytes: 250e9, low: true } }) });
    const alert = screen.getByTestId("disk-low");
    expect(alert.getAttribute("role")).toBe("alert");
    expect(alert.textContent).toBe("Disk almost full: 12.4 MB free");
    expect(alert.getAttribute("title")).toBe("Disk almost full: 12.4 MB free. Free space on this computer's disk, or new records and scans cannot be saved.");
    cleanup();
    show({ link: "online", error: null, status: status({ disk: { free_bytes: 12_400_000, total_bytes: 250e9, low: true } }) }, "uk");
    expect(screen.getByTestId("disk-low").textContent).toContain("Диск майже заповнено");
  });

  it("explains a failed attempt in plain words, with the time and the detail", () => {
    show({
      link: "offline",
      error: { code: "unreachable", message: "server unreachable: no route to host" },
      status: status({ pending: 2, last_attempt_ms: Date.UTC(2026, 10, 24, 7, 30) }),
    });
    expect(screen.getByTestId("sync-link").textContent).toBe("Offline");
    expect(screen.getByText("Last acknowledged sync: never")).toBeTruthy();
    const err = screen.getByTestId("sync-error");
    expect(err.textContent).toBe(
      "The server cannot be reached. Work goes on offline; records are sent when the link returns. Attempt at 09:30 failed.",
    );
    // Rust's English detail is not the main text: it is in the tooltip.
    expect(err.textContent).not.toContain("no route to host");
    expect(err.getAttribute("title")).toBe("Details: server unreachable: no route to host");
  });

  it("says in plain words that the centre revoked the vehicle, with the centre's reason, in both languages", () => {
    show({
      link: "offline",
      error: { code: "revoked", message: "планшет викрадено" },
      status: status({ last_attempt_ms: Date.UTC(2026, 10, 24, 7, 30) }),
    });
    expect(screen.getByTestId("sync-revoked").textContent).toBe(
      "The centre revoked this vehicle: планшет викрадено. It can no longer sync; call the centre to enroll it again.",
    );
    expect(screen.queryByTestId("sync-error")).toBeNull();
    cleanup();
    // Remembered after a restart (no error with this event), and in Ukrainian; no reason given.
    show({ link: "offline", error: null, status: status({ revoked: "", last_error: "the centre revoked this vehicle" }) }, "uk");
    expect(screen.getByTestId("sync-revoked").textContent).toBe(
      "Центр відкликав реєстрацію цього комплексу: причину не вказано. Синхронізація більше неможлива; зателефонуйте до центру, щоб зареєструвати його знову.",
    );
  });

  it("keeps everything on one line: no element of its own for messages", () => {
    show({
      link: "offline",
      error: { code: "unreachable", message: "no route to host" },
      status: status({ pending: 2, rejected: 1, last_attempt_ms: Date.UTC(2026, 10, 24, 7, 30) }),
    });
    const bar = screen.getByRole("region", { name: "Synchronisation" });
    expect(bar.querySelector("p, div")).toBeNull();
  });

  it("says so when the vehicle is not enrolled, and counts refused records", () => {
    show({ link: "offline", error: null, status: status({ enrolled: false, server: null, rejected: 2 }) }, "uk");
    expect(screen.getByText("Цей комплекс ще не зареєстровано на сервері: введіть токен реєстрації в налаштуваннях.")).toBeTruthy();
    expect(screen.getByText("Відхилено сервером: 2")).toBeTruthy();
    expect(screen.getByTestId("sync-link").textContent).toBe("Немає звʼязку");
  });

  it("starts a sync on request", () => {
    const onSyncNow = show({ link: "online", error: null, status: status() });
    fireEvent.click(screen.getByRole("button", { name: "Sync now" }));
    expect(onSyncNow).toHaveBeenCalledTimes(1);
  });
});
