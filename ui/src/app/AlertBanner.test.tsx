// @vitest-environment jsdom
// The hotlist alert banner as the crew meets it: every open alert of the
// recent inspections, large and in words, the camera's picture of the
// plate; an alert a camera's read raises appears the moment it is
// announced; a response takes it off; silencing folds it into a strip
// that a new alert opens again; it rings until then.

import { act, cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { anprRead, plate, testAlert, testHotlist, testView } from "../domain/testViews.ts";
import type { Language } from "../i18n/messages.ts";
import { createMemoryTransport } from "../transport/memory.ts";
import type { HotlistView, InspectionView } from "../transport/types.ts";
import { renderWith } from "../test/renderWith.tsx";
import { AlertBanner } from "./AlertBanner.tsx";
import { AlertsRevisionProvider } from "./alertsRevision.tsx";

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const READ = "1795521909700-4182-00000017#0";
const PLATE_BLOB = "ab".repeat(32);

const read = anprRead({
  id: READ,
  text: "ВО7781ЕМ",
  plate: plate("ВО7781ЕМ"),
  role: "tractor",
  images: [
    { kind: "plate", blob: PLATE_BLOB, size: 1, content_type: "image/jpeg" },
    { kind: "scene", blob: "cd".repeat(32), size: 1, content_type: "image/jpeg" },
  ],
});

function setup(opts: {
  views: InspectionView[];
  hotlists?: HotlistView[];
  canRespond?: boolean;
  lang?: Language;
  latencyMs?: number;
}) {
  const transport = createMemoryTransport({
    unit: "MOBILE-1",
    seed: opts.views.map((view) => ({ view, sync: "acknowledged" as const })),
    ...(opts.hotlists === undefined ? {} : { hotlists: opts.hotlists }),
    ...(opts.latencyMs === undefined ? {} : { latencyMs: opts.latencyMs }),
  });
  transport.actAs("OF-1742");
  const onOpen = vi.fn();
  const respond = vi.spyOn(transport, "respondToAlert");
  renderWith(
    <AlertsRevisionProvider>
      <AlertBanner canRespond={opts.canRespond ?? true} {...(opts.canRespond === false ? {} : { onOpen })} />
    </AlertsRevisionProvider>,
    { transport, lang: opts.lang ?? "en" },
  );
  return { transport, onOpen, respond };
}

const withAlert = (over: Partial<InspectionView> = {}): InspectionView =>
  testView({ created_ms: Date.UTC(2026, 10, 24, 2, 50), tractor: "ВО7781ЕМ", reads: [read], alerts: [testAlert({ at_ms: Date.UTC(2026, 10, 24, 2, 51) })], ...over });

/** A stand-in for the browser's AudioContext that counts tones and alarms silenced. */
function fakeAudio() {
  const rang = { oscillators: 0, silenced: 0 };
  const param = { setValueAtTime: () => undefined, exponentialRampToValueAtTime: () => undefined };
  class FakeAudioContext {
    state = "running";
    currentTime = 0;
    destination = {};
    resume = () => Promise.resolve();
    createOscillator() {
      rang.oscillators += 1;
      return { type: "sine", frequency: param, connect: () => undefined, start: () => undefined, stop: () => undefined };
    }
    createGain() {
      let toSpeakers = false;
      return {
        gain: param,
        connect: (to: unknown) => {
          toSpeakers = to === this.destination;
        },
        disconnect: () => {
          if (toSpeakers) rang.silenced += 1;
        },
      };
    }
  }
  vi.stubGlobal("AudioContext", FakeAudioContext);
  return rang;
}

describe("AlertBanner", () => {
  it("shows every open alert of the recent inspections, in big type and in words, with the camera's picture", async () => {
    const answered = testView({
      tractor: "AH2654OH",
      alerts: [
        testAlert({
          id: "0000000000aa",
          seen: "AH2654OH",
          response: { response: "confirmed", note: "", officer: "OF-2", at_ms: 1 },
        }),
      ],
    });
    const view = withAlert();
    const { transport } = setup({ views: [view, answered] });

    const banner = await screen.findByTestId("alert-banner");
    expect(banner.getAttribute("role")).toBe("alert");
    expect(within(banner).getByRole("heading", { name: "HOTLIST ALERT" })).toBeTruthy();
    expect(within(banner).getByText("Open alerts: 1")).toBeTruthy();
    const cards = within(banner).getAllByTestId("alert-card");
    expect(cards).toHaveLength(1);
    const card = within(cards[0]!);
    expect(cards[0]!.className).toContain("priority-high");
    expect(card.getByTestId("alert-seen").textContent).toBe("ВО7781ЕМ");
    expect(card.getByText("High priority")).toBeTruthy();
    expect(card.getByText("Exact match")).toBeTruthy();
    expect(card.getByText("Camera read · Tractor")).toBeTruthy();
    expect(card.getByText("List: Wanted vehicles")).toBeTruthy();
    expect(card.getByText("Entry: BO7781EM")).toBeTruthy();
    expect(card.getByText("Reason: Stolen tractor")).toBeTruthy();
    expect(card.getByText("24 Nov 2026, 04:51:00, officer on duty OF-1")).toBeTruthy();
    // The plate crop of the read that raised it.
    const image = card.getByRole("img", { name: "Plate ВО7781ЕМ as the camera saw it" });
    expect(image.getAttribute("src")).toBe(transport.readImageUrl(PLATE_BLOB));
    expect(image.getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
    // The answered alert of the other inspection is not there.
    expect(banner.textContent).not.toContain("AH2654OH");
  });

  it("speaks Ukrainian", async () => {
    setup({ views: [withAlert({ alerts: [testAlert({ tier: "one_edit", priority: "medium", role: "trailer" })] })], lang: "uk" });
    const banner = await screen.findByTestId("alert-banner");
    expect(within(banner).getByRole("heading", { name: "ЗБІГ ЗІ СПИСКОМ СПОСТЕРЕЖЕННЯ" })).toBeTruthy();
    expect(within(banner).getByText("Відрізняється один символ")).toBeTruthy();
    expect(within(banner).getByText("Середній пріоритет")).toBeTruthy();
    expect(within(banner).getByText("Зчитування камерою · Причіп")).toBeTruthy();
    expect(within(banner).getByRole("button", { name: "Хибний збіг" })).toBeTruthy();
    expect(within(banner).getByTestId("alert-card").className).toContain("priority-medium");
  });

  it("shows nothing while no alert is open", async () => {
    const { transport } = setup({ views: [testView({ tractor: "AA1234BC" })] });
    await waitFor(() => expect(screen.getByTestId("alert-slot")).toBeTruthy());
    await act(async () => {
      await transport.listInspections({});
    });
    expect(screen.queryByTestId("alert-banner")).toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows an alert a camera's read raised the moment it is announced, and takes the response once it is stored", async () => {
    const view = testView({ created_ms: Date.UTC(2026, 10, 24, 2, 50), tractor: "ВО7781ЕМ" });
    const { transport, respond } = setup({
      views: [view],
      hotlists: [testHotlist("hl-wanted", "Wanted vehicles", [{ id: "e-1", value: "BO 7781 EM", reason: "Stolen tractor" }])],
      latencyMs: 40,
    });
    await screen.findByTestId("alert-slot");
    expect(screen.queryByTestId("alert-banner")).toBeNull();

    let raised: ReturnType<typeof transport.cameraRead> = [];
    act(() => {
      raised = transport.cameraRead(view.id, read);
    });
    expect(raised).toHaveLength(1);
    // At once, from the event: before the inspection is read back.
    const banner = screen.getByTestId("alert-banner");
    expect(within(banner).getByTestId("alert-seen").textContent).toBe("ВО7781ЕМ");
    expect(within(banner).getByText("Exact match")).toBeTruthy();
    expect(within(banner).getByText("Recording the alert…")).toBeTruthy();

    // Read back with its id: it can be answered.
    fireEvent.click(await within(banner).findByRole("button", { name: "Confirmed" }));
    await waitFor(() => expect(screen.queryByTestId("alert-banner")).toBeNull());
    expect(respond).toHaveBeenCalledWith(view.id, { alert: raised[0]!.id, response: "confirmed", note: "" });
  });

  it("records a response with its note and takes the alert off the banner", async () => {
    const view = withAlert();
    const { transport, respond } = setup({ views: [view] });
    const banner = await screen.findByTestId("alert-banner");
    fireEvent.change(within(banner).getByLabelText("Note (optional)"), { target: { value: "  Driver detained, police called " } });
    fireEvent.click(within(banner).getByRole("button", { name: "Action taken" }));
    await waitFor(() => expect(screen.queryByTestId("alert-banner")).toBeNull());
    expect(screen.queryByTestId("alert-strip")).toBeNull();
    expect(respond).toHaveBeenCalledTimes(1);
    expect(respond).toHaveBeenCalledWith(view.id, { alert: "a1b2c3d4e5f6", response: "action_taken", note: "Driver detained, police called" });
    const stored = await transport.getInspection(view.id);
    expect(stored.alerts?.[0]?.response).toMatchObject({ response: "action_taken", note: "Driver detained, police called", officer: "OF-1742" });
  });

  it("says why a response was not saved, and keeps the alert", async () => {
    const view = withAlert();
    const { transport } = setup({ views: [view] });
    const banner = await screen.findByTestId("alert-banner");
    transport.actAs(null);
    fireEvent.click(within(banner).getByRole("button", { name: "False match" }));
    expect(await within(banner).findByText(/^The response was not saved\. No officer is signed in/)).toBeTruthy();
    expect(screen.getByTestId("alert-banner")).toBeTruthy();
  });

  it("rings until silenced, folds into a red strip that stays, and opens again for a new alert", async () => {
    const rang = fakeAudio();
    const view = withAlert();
    const { transport } = setup({ views: [view] });
    const banner = await screen.findByTestId("alert-banner");
    expect(banner.getAttribute("data-ringing")).toBe("true");
    await waitFor(() => expect(rang.oscillators).toBeGreaterThan(0));

    fireEvent.click(within(banner).getByRole("button", { name: "Silence" }));
    expect(screen.queryByTestId("alert-banner")).toBeNull();
    const strip = screen.getByTestId("alert-strip");
    expect(strip.getAttribute("role")).toBe("alert");
    expect(strip.textContent).toContain("Open hotlist alerts: 1. Sound off until a new alert.");
    await waitFor(() => expect(rang.silenced).toBe(1));

    // Shown again on request, still silent.
    fireEvent.click(within(strip).getByRole("button", { name: "Show" }));
    expect(screen.getByTestId("alert-banner").getAttribute("data-ringing")).toBe("false");
    fireEvent.click(screen.getByRole("button", { name: "Silence" }));
    expect(screen.getByTestId("alert-strip")).toBeTruthy();

    // A new alert: the banner opens and rings again.
    const before = rang.oscillators;
    act(() => {
      transport.raiseAlerts(view.id, [{ ...testAlert(), read_id: null, source: "typed", entry_id: "e-2", seen: "AA1234BC", priority: "medium" }]);
    });
    const again = await screen.findByTestId("alert-banner");
    await waitFor(() => expect(within(again).getAllByTestId("alert-card")).toHaveLength(2));
    expect(again.getAttribute("data-ringing")).toBe("true");
    await waitFor(() => expect(rang.oscillators).toBeGreaterThan(before));
  });

  it("stops ringing when the last open alert is answered", async () => {
    const rang = fakeAudio();
    setup({ views: [withAlert()] });
    const banner = await screen.findByTestId("alert-banner");
    await waitFor(() => expect(rang.oscillators).toBeGreaterThan(0));
    fireEvent.click(within(banner).getByRole("button", { name: "False match" }));
    await waitFor(() => expect(screen.queryByTestId("alert-banner")).toBeNull());
    await waitFor(() => expect(rang.silenced).toBe(1));
  });

  it("opens the inspection", async () => {
    const view = withAlert();
    const { onOpen } = setup({ views: [view] });
    fireEvent.click(await screen.findByRole("button", { name: "Open inspection" }));
    expect(onOpen).toHaveBeenCalledWith(view.id);
  });

  it("signed out: still shown, but asks to sign in to respond", async () => {
    setup({ views: [withAlert()], canRespond: false });
    const banner = await screen.findByTestId("alert-banner");
    expect(within(banner).getByText("Sign in to respond to the alert.")).toBeTruthy();
    expect(within(banner).queryByRole("button", { name: "Confirmed" })).toBeNull();
    expect(within(banner).queryByRole("button", { name: "Open inspection" })).toBeNull();
  });
});
