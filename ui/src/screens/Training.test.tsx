// @vitest-environment jsdom
// A trainee's exercise on the in-memory vehicle, through the screens: the
// list with its start form, then image by image on a fake viewer engine
// (0.1 screen px per image px, so a drag at (172, 38) is at image pixel
// (1720, 380)), then the results.
import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { useState, type ReactNode } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createMemoryTransport } from "../transport/memory.ts";
import { renderWith } from "../test/renderWith.tsx";
import { TrainingList } from "./TrainingList.tsx";
import { TrainingScreen } from "./TrainingScreen.tsx";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

/** The list, or the exercise opened from it, as the app's routes show them; the images timed by `clock`. */
function Harness(props: { clock: () => number }): ReactNode {
  const [open, setOpen] = useState<string | null>(null);
  return open === null ? <TrainingList onOpen={setOpen} /> : <TrainingScreen id={open} onBack={() => setOpen(null)} clock={props.clock} />;
}

function setup(lang: "en" | "uk" = "en") {
  const transport = createMemoryTransport({ unit: "MOBILE-1" });
  transport.actAs("OF-1742");
  const start = vi.spyOn(transport, "startTraining");
  const answer = vi.spyOn(transport, "answerTraining");
  // The images' clock, moved by hand: an answer comes `later(ms)` after its image is shown.
  let clock = 0;
  const later = (ms: number): void => {
    clock += ms;
  };
  renderWith(<Harness clock={() => clock} />, { transport, lang });
  return { transport, start, answer, later };
}

async function startExercise(folder = "/media/usb/tip-2026-11") {
  fireEvent.change(await screen.findByLabelText("Exercise folder on this vehicle"), { target: { value: folder } });
  fireEvent.change(screen.getByLabelText("Name (optional)"), { target: { value: "Morning drill" } });
  fireEvent.click(screen.getByRole("button", { name: "Start exercise" }));
}

/** Waits for image `n` in the viewer, ready for marks. */
async function imageShown(n: number): Promise<HTMLElement> {
  await waitFor(() => expect(screen.getByTestId("training-progress").getAttribute("data-n")).toBe(String(n)));
  // Asked again each time: the element "loading" is replaced by the viewer's own.
  await waitFor(() => expect(screen.getByTestId("scan-viewer").getAttribute("data-state")).toBe("ready"));
  return screen.getByTestId("scan-viewer").querySelector(".viewer-stage-wrap") as HTMLElement;
}

function drag(el: HTMLElement, from: [number, number], to: [number, number]): void {
  fireEvent.pointerDown(el, { clientX: from[0], clientY: from[1], button: 0, pointerId: 1 });
  fireEvent.pointerMove(el, { clientX: to[0], clientY: to[1], button: 0, pointerId: 1 });
  fireEvent.pointerUp(el, { clientX: to[0], clientY: to[1], button: 0, pointerId: 1 });
}

/** Marks a rectangle with the rectangle tool (A), in screen pixels of the fake engine. */
function mark(stage: HTMLElement, from: [number, number], to: [number, number]): void {
  if (screen.getByTestId("tool-rect").getAttribute("aria-pressed") !== "true") fireEvent.keyDown(window, { key: "a", code: "KeyA" });
  drag(stage, from, to);
}

async function call(decision: "Suspect" | "Clear"): Promise<HTMLElement> {
  fireEvent.click(screen.getByRole("button", { name: new RegExp(`^${decision}`) }));
  return screen.findByTestId("training-feedback");
}

describe("training: an exercise, image by image", () => {
  it("starts from the folder, says it is training, and judges a mark on the item a hit, showing the item", async () => {
    const { start, answer, later } = setup();
    expect(screen.getByTestId("training-banner").textContent).toContain("not a real inspection");
    await startExercise();
    expect(start).toHaveBeenCalledWith({ folder: "/media/usb/tip-2026-11", name: "Morning drill" });

    const stage = await imageShown(1);
    expect(screen.getByTestId("training-banner")).toBeTruthy();
    expect(screen.getByTestId("training-progress").textContent).toBe("Image 1 of 6");
    expect(screen.getByRole("heading", { name: "Morning drill" })).toBeTruthy();
    // TIP_0001 holds a pistol at [1720, 380, 160, 110].
    mark(stage, [170, 36], [180, 45]);
    mark(stage, [10, 10], [20, 20]);
    expect(screen.getAllByTestId("training-mark-item").map((li) => li.textContent)).toEqual(["Mark 1: 100 × 90 px✕", "Mark 2: 100 × 100 px✕"]);
    // A mark may be taken back before the answer; Clear waits until none is left.
    expect(screen.getByTestId<HTMLButtonElement>("training-clear").disabled).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Remove mark 2" }));
    expect(screen.getAllByTestId("training-mark-item")).toHaveLength(1);
    expect(screen.getByTestId("scan-viewer").querySelectorAll("rect.training-mark")).toHaveLength(1);

    later(4_000);
    const feedback = await call("Suspect");
    expect(answer).toHaveBeenCalledWith(expect.any(String), { image: "TIP_0001", decision: "suspect", marks: [[1700, 360, 100, 90]], time_ms: 4_000 });
    expect(feedback.getAttribute("data-outcome")).toBe("hit");
    expect(within(feedback).getByRole("heading", { name: "Hit" })).toBeTruthy();
    expect(within(feedback).getByText("You found it: a mark is on the item.")).toBeTruthy();
    expect(within(feedback).getByTestId("training-item").textContent).toBe("Hidden item: Pistol (framed on the image).");
    expect(within(feedback).getByText("Your answer: Suspect, marks: 1, in 4.0 s.")).toBeTruthy();
    // The item's box is drawn on the image, named.
    const item = screen.getByTestId("scan-viewer").querySelector("rect.training-item");
    expect([item?.getAttribute("x"), item?.getAttribute("y"), item?.getAttribute("width"), item?.getAttribute("height")]).toEqual(["1720", "380", "160", "110"]);
    expect(screen.getByTestId("scan-viewer").querySelector("text.training-item")?.textContent).toBe("Pistol");
    // No more marks on an answered image.
    expect(screen.queryByTestId("tool-rect")).toBeNull();
    expect(screen.queryByTestId("training-suspect")).toBeNull();
  });

  it("judges a clear call on an image without an item a correct rejection", async () => {
    const { later } = setup();
    await startExercise();
    await imageShown(1);
    later(2_000);
    await call("Clear");
    fireEvent.click(screen.getByRole("button", { name: "Next image" }));
    await imageShown(2);
    later(3_000);
    const feedback = await call("Clear");
    expect(feedback.getAttribute("data-outcome")).toBe("correct_rejection");
    expect(within(feedback).getByRole("heading", { name: "Correct rejection" })).toBeTruthy();
    expect(within(feedback).getByTestId("training-item").textContent).toBe("No item was hidden in this image.");
    expect(screen.getByTestId("scan-viewer").querySelector("rect.training-item")).toBeNull();
  });

  it("ends with the score, image by image, and lists the attempt finished", async () => {
    const { later } = setup();
    await startExercise();
    // Pistol: found. Nothing: clear. Drug bricks [900, 300, 360, 240]: found.
    // Nothing: called suspect. Ammunition: marked elsewhere. Nothing: clear.
    const steps: { n: number; mark?: [[number, number], [number, number]]; call: "Suspect" | "Clear"; ms: number }[] = [
      { n: 1, mark: [[172, 38], [180, 45]], call: "Suspect", ms: 3_000 },
      { n: 2, call: "Clear", ms: 5_000 },
      { n: 3, mark: [[95, 35], [110, 50]], call: "Suspect", ms: 4_000 },
      { n: 4, call: "Suspect", ms: 6_000 },
      { n: 5, mark: [[10, 10], [20, 20]], call: "Suspect", ms: 8_000 },
      { n: 6, call: "Clear", ms: 4_000 },
    ];
    const outcomes: (string | null)[] = [];
    for (const s of steps) {
      const stage = await imageShown(s.n);
      if (s.mark !== undefined) mark(stage, s.mark[0], s.mark[1]);
      later(s.ms);
      const feedback = await call(s.call);
      outcomes.push(feedback.getAttribute("data-outcome") + (feedback.getAttribute("data-mislocated") === "true" ? " (mislocated)" : ""));
      fireEvent.click(within(feedback).getByRole("button", { name: s.n === 6 ? "See the results" : "Next image" }));
    }
    expect(outcomes).toEqual(["hit", "correct_rejection", "hit", "false_alarm", "miss (mislocated)", "correct_rejection"]);

    const summary = await screen.findByTestId("training-summary");
    expect(within(summary).getByRole("heading", { name: "Results: Morning drill" })).toBeTruthy();
    expect(within(summary).getByTestId("training-banner")).toBeTruthy();
    const figure = (id: string): string | null => within(summary).getByTestId(`training-score-${id}`).getAttribute("data-value");
    expect(["hits", "misses", "false-alarms", "correct-rejections", "hit-rate", "false-alarm-rate", "d-prime", "mean-time"].map(figure)).toEqual([
      "2",
      "1",
      "1",
      "2",
      "67%",
      "33%",
      // H = 2.5/4, F = 1.5/4: d′ = z(0.625) − z(0.375).
      "0.64",
      "5.0 s",
    ]);
    expect(within(summary).getByTestId("training-score-misses").textContent).toContain("marked off the item: 1");
    const rows = within(summary).getAllByTestId("training-image-row");
    expect(rows.map((r) => r.getAttribute("data-outcome"))).toEqual(["hit", "correct_rejection", "hit", "false_alarm", "miss", "correct_rejection"]);
    expect(within(rows[2]!).getByText("Drug bricks")).toBeTruthy();
    expect(within(rows[4]!).getByText("Suspect, marks: 1")).toBeTruthy();
    expect(within(rows[4]!).getByText("marked off the item")).toBeTruthy();

    fireEvent.click(within(summary).getByRole("button", { name: "All exercises" }));
    const row = await screen.findByTestId("training-row");
    expect(row.getAttribute("data-finished")).toBe("true");
    expect(within(row).getByText("6 of 6")).toBeTruthy();
    expect(within(row).getByTestId("training-row-dprime").textContent).toBe("0.64");
    expect(within(row).getByText("Finished")).toBeTruthy();
    expect(within(row).getByRole("button", { name: "Results" })).toBeTruthy();
  });

  it("answers with the keyboard: Alt+1 suspect, Alt+2 clear (by physical key too)", async () => {
    const { answer } = setup();
    await startExercise();
    await imageShown(1);
    fireEvent.keyDown(window, { key: "2", code: "Digit2", altKey: true });
    expect((await screen.findByTestId("training-feedback")).getAttribute("data-outcome")).toBe("miss");
    fireEvent.click(screen.getByTestId("training-next"));
    await imageShown(2);
    fireEvent.keyDown(window, { key: "¡", code: "Digit1", altKey: true });
    expect((await screen.findByTestId("training-feedback")).getAttribute("data-outcome")).toBe("false_alarm");
    expect(answer.mock.calls.map((c) => c[1].decision)).toEqual(["clear", "suspect"]);
  });

  it("says it is busy while the images are prepared, and opens the exercise when they are", async () => {
    const { transport, start } = setup();
    let ready: () => void = () => undefined;
    const held = new Promise<void>((r) => (ready = r));
    start.mockImplementationOnce(async (input) => {
      await held;
      return transport.startTraining(input);
    });
    await startExercise();
    expect((await screen.findByRole("status")).textContent).toBe("Preparing the images: this takes a few seconds…");
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Start exercise" }).disabled).toBe(true);
    expect(screen.getByLabelText<HTMLInputElement>("Exercise folder on this vehicle").disabled).toBe(true);
    ready();
    await imageShown(1);
  });

  it("shows why an exercise could not be started, and stays on the form", async () => {
    setup("uk");
    fireEvent.change(await screen.findByLabelText("Тека вправи на цьому транспортному засобі"), { target: { value: "/media/usb/missing" } });
    fireEvent.click(screen.getByRole("button", { name: "Почати вправу" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Вправу не вдалося почати.");
    expect(alert.textContent).toContain("exercise.json");
    expect(screen.getByRole("button", { name: "Почати вправу" })).toBeTruthy();
    expect(screen.queryByTestId("training-exercise")).toBeNull();
    expect(screen.getByText("На цьому транспортному засобі ще не виконували жодної вправи.")).toBeTruthy();
  });

  it("takes up an exercise where it was left: the first image not answered", async () => {
    const transport = createMemoryTransport({ unit: "MOBILE-1" });
    transport.actAs("OF-1742");
    const a = await transport.startTraining({ folder: "/tip", name: null });
    await transport.answerTraining(a.summary.id, { image: "TIP_0001", decision: "clear", marks: [], time_ms: 1_000 });
    renderWith(<TrainingScreen id={a.summary.id} onBack={() => undefined} />, { transport });
    await waitFor(() => expect(screen.getByTestId("training-progress").textContent).toBe("Image 2 of 6"));
    await waitFor(() => expect(screen.getByTestId("scan-viewer").getAttribute("data-scan")).toBe(a.images[1]!.scan));
  });
});
