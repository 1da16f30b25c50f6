// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { anprRead, decided, plate, reviewed, testAlert, testHotlist, testView } from "../domain/testViews.ts";
import { createMemoryTransport } from "../transport/memory.ts";
import type { Scan } from "../transport/types.ts";
import { renderWith } from "../test/renderWith.tsx";
import { InspectionScreen } from "./InspectionScreen.tsx";

afterEach(cleanup);

const scan = (id: string, name: string): Scan => ({
  id,
  images: [{ blob: id, size: 1, width: 4800, height: 1600, bits: 16, channels: 1, format: "tiff", energy: "single" }],
  name,
  scanner: null,
  captured_ms: null,
  pixel_mm: null,
  added_ms: 0,
  added_by: "OF-1",
});

function setup(lang: "en" | "uk", over: Parameters<typeof testView>[0] = {}) {
  const view = testView({
    created_ms: Date.UTC(2026, 10, 24, 9),
    tractor: "ВН 9975 ТО",
    trailer_plate: plate("AI5678XT"),
    containers: ["TGHU7599834"],
    declaration: "UA209508/2026/647941",
    notes: "Пломба на місці",
    ...over,
  });
  const earlier = testView({
    created_ms: Date.UTC(2026, 10, 3, 9),
    tractor: "KA0021XP",
    containers: ["TGHU7599834"],
    decisions: [decided("detain", Date.UTC(2026, 10, 3, 10))],
    scans: [scan("old-scan", "TRK_0100.tif")],
  });
  const stranger = testView({ created_ms: Date.UTC(2026, 10, 2), tractor: "BO1734OA" });
  const transport = createMemoryTransport({
    unit: "MOBILE-1",
    seed: [view, earlier, stranger].map((v) => ({ view: v, sync: "acknowledged" as const })),
  });
  transport.actAs("OF-1742");
  const setNotes = vi.spyOn(transport, "setNotes");
  const importScan = vi.spyOn(transport, "importScan");
  renderWith(<InspectionScreen id={view.id} />, { transport, lang });
  return { view, earlier, transport, setNotes, importScan };
}

describe("InspectionScreen", () => {
  it("shows the vehicle, the raw plate read, and says when no scan is attached", async () => {
    setup("uk");
    expect(await screen.findByRole("heading", { name: "Огляд BH9975TO" })).toBeTruthy();
    expect(screen.getByText("прочитано як «ВН 9975 ТО»")).toBeTruthy();
    expect(screen.getAllByText("TGHU7599834").length).toBeGreaterThan(0);
    expect(screen.getByText("Знімків ще немає.")).toBeTruthy();
    expect(screen.queryByTestId("scan-viewer")).toBeNull();
    expect(screen.getByText("Рішення ще немає.")).toBeTruthy();
    // No camera reads: no section for them.
    expect(screen.queryByTestId("anpr-reads")).toBeNull();
  });

  it("shows the camera reads in the side panel, the text as the camera read it", async () => {
    setup("uk", { reads: [anprRead({ text: "ВН9975ТО", plate: plate("ВН9975ТО"), role: "tractor", confidence: 0.97 })] });
    const panel = await screen.findByTestId("workstation-panel");
    const reads = within(panel).getByRole("region", { name: "Зчитування камерами (ANPR)" });
    expect(within(reads).getByText("ВН9975ТО")).toBeTruthy();
    expect(within(reads).getByText("BH9975TO")).toBeTruthy();
    expect(within(reads).getByText("достовірність 97 %")).toBeTruthy();
  });

  it("shows the scan strip with thumbnails and opens the chosen scan in the viewer", async () => {
    setup("en", { scans: [scan("s-a", "A.tif"), scan("s-b", "B.tif")] });
    const thumbs = await screen.findAllByTestId("scan-thumb");
    expect(thumbs).toHaveLength(2);
    expect(thumbs[0]!.querySelector("img")?.getAttribute("src")).toMatch(/^data:image\/svg\+xml/);
    // The newest scan opens first.
    await waitFor(() => expect(screen.getByTestId("scan-viewer").getAttribute("data-scan")).toBe("s-b"));
    fireEvent.click(screen.getByRole("button", { name: "Open scan A.tif" }));
    await waitFor(() => expect(screen.getByTestId("scan-viewer").getAttribute("data-scan")).toBe("s-a"));
    expect(thumbs[0]!.getAttribute("aria-pressed")).toBe("true");
  });

  it("imports a typed dual-energy pair with a pixel size and opens it", async () => {
    const { view, importScan } = setup("en");
    fireEvent.change(await screen.findByTestId("import-path"), { target: { value: "/scans/T9_low.tif; /scans/T9_high.tif" } });
    fireEvent.change(screen.getByTestId("import-pixel-mm"), { target: { value: "5,5" } });
    fireEvent.click(screen.getByTestId("import-submit"));
    expect(await screen.findByText("T9_high.tif: imported.")).toBeTruthy();
    expect(importScan).toHaveBeenCalledWith(view.id, { path: "/scans/T9_high.tif", low: "/scans/T9_low.tif", pixel_mm: 5.5, scanner: null });
    await waitFor(() => expect(screen.getByTestId("scan-viewer").getAttribute("data-state")).toBe("ready"));
    expect(screen.getAllByTestId("scan-thumb")).toHaveLength(1);
  });

  it("refuses a pixel size that is not a number before importing", async () => {
    const { importScan } = setup("en");
    fireEvent.change(await screen.findByTestId("import-path"), { target: { value: "/scans/a.tif" } });
    fireEvent.change(screen.getByTestId("import-pixel-mm"), { target: { value: "five" } });
    expect(screen.getByText("Enter a number greater than 0, or leave the field empty.")).toBeTruthy();
    expect(screen.getByTestId<HTMLButtonElement>("import-submit").disabled).toBe(true);
    expect(importScan).not.toHaveBeenCalled();
  });

  it("imports dropped files and says in plain words why one was refused", async () => {
    const { transport } = setup("uk");
    await screen.findByTestId("import-path");
    transport.dropFiles(["/d/good.png", "/d/damaged.tif"]);
    expect(await screen.findByText("good.png: імпортовано.")).toBeTruthy();
    const failed = await screen.findByText(/^damaged\.tif: не імпортовано\./);
    expect(failed.textContent).toContain("Частину введених даних не можна прийняти.");
    expect(failed.closest("li")?.textContent).toContain("the image is damaged or truncated");
  });

  it("says when there is no file dialog", async () => {
    setup("en");
    fireEvent.click(await screen.findByTestId("import-pick"));
    expect(await screen.findByText("No file dialog here: type or paste the file path below.")).toBeTruthy();
  });

  it("lists earlier inspections of the vehicle and compares scans side by side", async () => {
    const { earlier } = setup("en", { scans: [scan("now-scan", "NOW.tif")] });
    const rows = await screen.findAllByTestId("history-row");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.textContent).toContain("Detain");
    expect(rows[0]!.textContent).toContain("3 Nov 2026");
    expect(rows[0]!.textContent).not.toContain("BO1734OA");
    fireEvent.click(within(rows[0]!).getByTestId("history-compare"));
    const compare = await screen.findByTestId("scan-comparison");
    await waitFor(() => expect(within(compare).getAllByTestId("scan-viewer")).toHaveLength(2));
    const [a, b] = within(compare).getAllByTestId("scan-viewer");
    expect(a!.getAttribute("data-scan")).toBe("now-scan");
    expect(b!.getAttribute("data-scan")).toBe(earlier.scans[0]!.id);
    // Read-only: no marking tools in the comparison.
    expect(within(compare).queryByTestId("tool-rect")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Close comparison" }));
    expect(screen.queryByTestId("scan-comparison")).toBeNull();
  });

  it("saves notes with Ctrl+S and says so", async () => {
    const { view, transport, setNotes } = setup("en");
    const notes = await screen.findByRole<HTMLTextAreaElement>("textbox", { name: "Notes" });
    expect(notes.value).toBe("Пломба на місці");
    expect(screen.getByRole<HTMLButtonElement>("button", { name: /Save notes/ }).disabled).toBe(true);
    fireEvent.change(notes, { target: { value: "Пломба на місці; номер збігається" } });
    expect(screen.getByText("Unsaved changes.")).toBeTruthy();
    fireEvent.keyDown(notes, { key: "s", ctrlKey: true });
    expect(await screen.findByText("Notes saved.")).toBeTruthy();
    expect(setNotes).toHaveBeenCalledWith(view.id, "Пломба на місці; номер збігається");
    await waitFor(async () => expect((await transport.getInspection(view.id)).notes).toBe("Пломба на місці; номер збігається"));
  });

  it("explains an unknown inspection in plain words", async () => {
    const transport = createMemoryTransport({ unit: "MOBILE-1" });
    renderWith(<InspectionScreen id="missing" />, { transport, lang: "en" });
    expect(await screen.findByText("This inspection is not on this device.")).toBeTruthy();
  });
});

describe("InspectionScreen: the workstation", () => {
  it("puts the scan in the main region and the rest in a side panel that ] hides", async () => {
    setup("en", { scans: [scan("s-a", "A.tif")] });
    await waitFor(() => expect(screen.getByTestId("scan-viewer").getAttribute("data-state")).toBe("ready"));
    const viewer = screen.getByTestId("scan-viewer");
    expect(screen.getByTestId("workstation-main").contains(viewer)).toBe(true);
    const panel = screen.getByRole("complementary", { name: "Inspection details" });
    for (const name of ["Vehicle", "Decision", "Notes", "Earlier inspections of this vehicle", "Add scans"]) {
      expect(within(panel).getByRole("heading", { name })).toBeTruthy();
    }
    // The viewer's tools are a rail beside the image; its settings and marks are in the panel.
    expect(within(viewer).getByRole("toolbar", { name: "Image tools" }).className).toBe("viewer-rail");
    await waitFor(() => expect(within(panel).getByTestId("window-low")).toBeTruthy());
    expect(within(panel).getByRole("heading", { name: "Image settings" })).toBeTruthy();
    expect(within(viewer).queryByTestId("window-low")).toBeNull();

    fireEvent.keyDown(window, { key: "]", code: "BracketRight" });
    expect(panel.hidden).toBe(true);
    expect(screen.getByRole("button", { name: "Show the side panel" })).toBeTruthy();
    fireEvent.click(screen.getByTestId("panel-toggle"));
    expect(panel.hidden).toBe(false);
  });

  it("offers the import in the image area while there is no scan", async () => {
    setup("en");
    const main = await screen.findByTestId("workstation-main");
    expect(within(main).getByText("No scans attached yet.")).toBeTruthy();
    expect(within(main).getByTestId("import-path")).toBeTruthy();
    expect(within(screen.getByTestId("workstation-panel")).queryByTestId("import-path")).toBeNull();
  });
});

describe("InspectionScreen: supervisors' reviews", () => {
  const T = Date.UTC(2026, 10, 24, 9);

  it("shows a returned inspection's banner with the comment, and takes the response as a new decision with a note", async () => {
    const { transport, view } = setup("en", {
      decisions: [decided("release", T + 60_000, { officer: "OF-1742" })],
      reviews: [reviewed("return", T + 3_600_000, { decisions_seen: 1, supervisor: "SUP-07", comment: "Organic mass by the doors" })],
    });
    const decide = vi.spyOn(transport, "decide");
    const banner = await screen.findByTestId("review-banner");
    expect(banner.getAttribute("data-state")).toBe("returned");
    expect(within(banner).getByRole("heading").textContent).toBe("Returned by supervisor SUP-07, 24 Nov 2026, 12:00:00");
    expect(banner.textContent).toContain("“Organic mass by the doors”");
    expect(banner.textContent).toContain("Respond with a new decision and a note");
    expect(screen.getByTestId("review-state").textContent).toBe("Review: Returned");
    // The decision form is the response form, and it wants a note.
    fireEvent.click(within(banner).getByRole("button", { name: "Respond" }));
    expect(screen.getByRole("heading", { name: "Respond to the return" })).toBeTruthy();
    fireEvent.click(screen.getByRole("radio", { name: /^Physical inspection/ }));
    fireEvent.click(screen.getByRole("button", { name: /Record decision/ }));
    expect(await screen.findByRole("alert")).toHaveProperty(
      "textContent",
      "Write a note for the supervisor: what you checked and what you found.",
    );
    expect(decide).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText("Note"), { target: { value: "Doors opened: bags of fertiliser, as declared" } });
    fireEvent.click(screen.getByRole("button", { name: /Record decision/ }));
    await waitFor(() => expect(screen.queryByTestId("review-banner")).toBeNull());
    expect(decide).toHaveBeenCalledWith(view.id, {
      outcome: "physical_inspection",
      reasons: [],
      note: "Doors opened: bags of fertiliser, as declared",
    });
    expect(screen.getByTestId("review-state").textContent).toBe("Review: Answered");
    expect(screen.getByRole("heading", { name: "Record a decision" })).toBeTruthy();
  });

  it("shows an overrule: the banner, the outcome that now stands, and the review in the history", async () => {
    setup("uk", {
      decisions: [decided("release", T + 60_000, { officer: "OF-1742" })],
      reviews: [
        reviewed("overrule", T + 3_600_000, {
          decisions_seen: 1,
          supervisor: "SUP-07",
          outcome: "detain",
          reasons: ["HOTLIST"],
          comment: "Номер у списку спостереження",
        }),
      ],
    });
    const banner = await screen.findByTestId("review-banner");
    expect(banner.getAttribute("data-state")).toBe("overruled");
    expect(within(banner).getByRole("heading").textContent).toContain("тепер чинне рішення — Затримання");
    expect(screen.getByTestId("current-outcome").textContent).toBe("Чинне рішення: Затримання");
    const review = screen.getByTestId("history-review");
    expect(review.textContent).toContain("SUP-07: Керівник змінив рішення");
    expect(review.textContent).toContain("Встановлене рішення: Затримання");
    expect(review.textContent).toContain("Підстави: HOTLIST");
    expect(review.textContent).toContain("Номер у списку спостереження");
    expect(review.textContent).toContain("Чинне");
  });

  it("shows a review as soon as it arrives from the server", async () => {
    const { transport, view } = setup("en", { decisions: [decided("release", T + 60_000)] });
    await screen.findByTestId("current-outcome");
    expect(screen.queryByTestId("review-banner")).toBeNull();
    act(() => transport.receiveReview(view.id, { verdict: "return", comment: "Check the seal number" }));
    const banner = await screen.findByTestId("review-banner");
    expect(banner.textContent).toContain("“Check the seal number”");
  });
});

describe("InspectionScreen: hotlist alerts and camera reads", () => {
  const READ = "1795521909700-4182-00000017#0";
  const TRAILER_READ = "1795521917700-4182-00000018#0";
  const tractorRead = anprRead({
    id: READ,
    text: "ВО7781ЕМ",
    plate: plate("ВО7781ЕМ"),
    role: "tractor",
    images: [{ kind: "plate", blob: "ab".repeat(32), size: 1, content_type: "image/jpeg" }],
  });
  const trailerRead = anprRead({ id: TRAILER_READ, text: "WGM4K27", plate: plate("WGM4K27"), role: "trailer", country: "PL" });

  function withReads(over: Parameters<typeof testView>[0] = {}) {
    const view = testView({
      created_ms: Date.UTC(2026, 10, 24, 2, 50),
      tractor: "ВО7781ЕМ",
      trailer_plate: plate("WGM4K27"),
      reads: [tractorRead, trailerRead],
      alerts: [testAlert({ read_id: READ, at_ms: Date.UTC(2026, 10, 24, 2, 51) })],
      ...over,
    });
    const transport = createMemoryTransport({
      unit: "MOBILE-1",
      seed: [{ view, sync: "acknowledged" }],
      hotlists: [testHotlist("hl-sis", "SIS II", [{ id: "e-sis", value: "WGM 4K21", reason: "Stolen trailer (PL)", priority: "medium" }])],
    });
    transport.actAs("OF-1742");
    renderWith(<InspectionScreen id={view.id} />, { transport, lang: "en" });
    return { view, transport };
  }

  it("puts the alerts first in the side panel, above the reads, and counts the open ones in the header", async () => {
    withReads();
    const panel = await screen.findByTestId("workstation-panel");
    const alerts = within(panel).getByRole("region", { name: "Hotlist alerts" });
    const reads = within(panel).getByRole("region", { name: "Camera reads (ANPR)" });
    expect(panel.firstElementChild).toBe(alerts);
    expect(alerts.compareDocumentPosition(reads) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(within(alerts).getByText("Reason: Stolen tractor")).toBeTruthy();
    expect(screen.getByTestId("inspection-open-alerts").textContent).toBe("Open alerts: 1");
    // The read's picture, from the transport.
    expect(within(reads).getAllByTestId("read-thumb")).toHaveLength(1);
  });

  it("answers an alert from its card: the transport records it and the card shows who answered", async () => {
    const { view, transport } = withReads();
    const respond = vi.spyOn(transport, "respondToAlert");
    const alerts = await screen.findByRole("region", { name: "Hotlist alerts" });
    fireEvent.change(within(alerts).getByLabelText("Note (optional)"), { target: { value: "Wrong truck: VIN differs" } });
    fireEvent.click(within(alerts).getByRole("button", { name: "False match" }));
    expect(await within(alerts).findByText(/^False match: OF-1742, /)).toBeTruthy();
    expect(within(alerts).getByText("“Wrong truck: VIN differs”")).toBeTruthy();
    expect(respond).toHaveBeenCalledWith(view.id, { alert: "a1b2c3d4e5f6", response: "false_match", note: "Wrong truck: VIN differs" });
    expect(within(alerts).queryByRole("button")).toBeNull();
    expect(screen.queryByTestId("inspection-open-alerts")).toBeNull();
  });

  it("corrects a read: the transport records it, the trailer plate follows, and the corrected plate is matched", async () => {
    const { view, transport } = withReads();
    const correct = vi.spyOn(transport, "correctRead");
    const reads = await screen.findByRole("region", { name: "Camera reads (ANPR)" });
    const trailer = within(reads).getAllByTestId("anpr-read")[1]!;
    fireEvent.click(within(trailer).getByRole("button", { name: "Correct" }));
    fireEvent.change(within(trailer).getByLabelText("Plate as it really is"), { target: { value: "WGM 4K21" } });
    fireEvent.click(within(trailer).getByRole("button", { name: "Save correction" }));
    expect(await within(trailer).findByTestId("anpr-correction")).toBeTruthy();
    expect(correct).toHaveBeenCalledWith(view.id, { read: TRAILER_READ, text: "WGM 4K21" });
    expect(within(trailer).getByTestId("anpr-correction").textContent).toMatch(/^Read as “WGM4K27”, corrected to WGM 4K21 by OF-1742, /);
    // The trailer plate the read filled is the corrected one now.
    const stored = await transport.getInspection(view.id);
    expect(stored.trailer_plate?.canonical).toBe("WGM4K21");
    // …and it is on a list: a typed alert, shown in the alerts card.
    const alerts = screen.getByRole("region", { name: "Hotlist alerts" });
    await waitFor(() => expect(within(alerts).getAllByTestId("alert-item")).toHaveLength(2));
    expect(within(alerts).getByText("Typed by the crew · Trailer")).toBeTruthy();
    expect(screen.getByTestId("inspection-open-alerts").textContent).toBe("Open alerts: 2");
  });

  it("detaches a read after confirmation: greyed, with who detached it, and the plate it filled is cleared", async () => {
    const { view, transport } = withReads();
    const detach = vi.spyOn(transport, "detachRead");
    const reads = await screen.findByRole("region", { name: "Camera reads (ANPR)" });
    const trailer = within(reads).getAllByTestId("anpr-read")[1]!;
    fireEvent.click(within(trailer).getByRole("button", { name: "Detach" }));
    fireEvent.click(within(trailer).getByRole("button", { name: "Yes, detach" }));
    await waitFor(() => expect(within(trailer).getByTestId("anpr-detached").textContent).toMatch(/^Detached from this inspection by OF-1742, /));
    expect(trailer.className).toContain("is-detached");
    expect(detach).toHaveBeenCalledWith(view.id, TRAILER_READ);
    expect((await transport.getInspection(view.id)).trailer_plate).toBeNull();
  });
});
