// @vitest-environment jsdom
// The hotlists page: every list with its scope, its entries (in force
// first by priority, removed and expired on request, sortable, filtered in
// the URL) and its risk profiles in words; a supervisor adds entries and
// profiles and removes them after a confirmation, and sees what the server
// refuses; auditors and administrators only read.

import { cleanup, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { currentSearch, renderConsole } from "../test/renderConsole.tsx";
import type { HotlistEntry, HotlistView, RiskProfile } from "../transport/console.ts";
import { createConsoleMemoryTransport } from "../transport/consoleMemory.ts";

afterEach(cleanup);

const NOW = Date.UTC(2026, 10, 24, 12);
const DAY = 86_400_000;
// Entries are told apart by the browser's clock: these are far from it either way.
const LONG_AGO = Date.UTC(2020, 0, 1);
const FAR_AHEAD = Date.UTC(2099, 0, 1);

const entry = (id: string, value: string, canonical: string, over: Partial<HotlistEntry> = {}): HotlistEntry => ({
  id,
  value,
  kind: "plate",
  canonical,
  reason: "Stolen tractor",
  priority: "medium",
  valid_from_ms: null,
  valid_until_ms: null,
  added_by: "SUP-03",
  added_ms: NOW - 5 * DAY,
  removed: null,
  ...over,
});

const profile: RiskProfile = {
  id: "p1",
  name: "Night arrivals from Poland",
  country: "PL",
  hour_from: 22,
  hour_to: 5,
  keyword: null,
  direction: "approach",
  reason: "Night runs carry tobacco",
  priority: "high",
  valid_from_ms: null,
  valid_until_ms: null,
  added_by: "SUP-03",
  added_ms: NOW - 3 * DAY,
  removed: null,
};

function lists(): HotlistView[] {
  return [
    {
      id: "l-wanted",
      name: "Wanted",
      units: [],
      created_ms: NOW - 10 * DAY,
      entries: [
        entry("e-low", "AE5555TT", "AE5555TT", { priority: "low", reason: "Check papers", valid_from_ms: FAR_AHEAD }),
        entry("e-aa", "АА 1234 ВС", "AA1234BC", { priority: "high" }),
        entry("e-box", "CSQU3054383", "CSQU3054383", { kind: "container", reason: "Double floor reported" }),
        entry("e-gone", "KA0021XP", "KA0021XP", { priority: "high", reason: "Entered by mistake", removed: { by: "SUP-07", at_ms: NOW - DAY } }),
        entry("e-old", "BT9090CC", "BT9090CC", { reason: "Old warrant", valid_until_ms: LONG_AGO }),
      ],
      profiles: [profile],
    },
    {
      id: "l-west",
      name: "West",
      units: ["MOBILE-1", "MOBILE-2"],
      created_ms: NOW - 9 * DAY,
      entries: [entry("w-1", "BO1734OA", "BO1734OA", { reason: "Overweight again" })],
      profiles: [],
    },
  ];
}

function setup(opts: { as?: string; route?: string } = {}) {
  const transport = createConsoleMemoryTransport({ now: () => NOW, seed: [], hotlists: lists(), signedIn: opts.as ?? "SUP-07" });
  const add = vi.spyOn(transport, "hotlistAdd");
  const addProfile = vi.spyOn(transport, "profileAdd");
  const remove = vi.spyOn(transport, "hotlistRemove");
  renderConsole({ transport, route: opts.route ?? "/hotlists" });
  return { transport, add, addProfile, remove };
}

const section = (name: string): HTMLElement => {
  const s = screen.getAllByTestId("hotlist").find((el) => el.getAttribute("data-list") === name);
  if (s === undefined) throw new Error(`no list ${name}`);
  return s;
};
const values = (name: string): string[] =>
  within(section(name))
    .queryAllByTestId("hotlist-entry")
    .map((r) => r.querySelector(".c-hl-value")?.textContent ?? "");
const row = (name: string, value: string): HTMLElement => {
  const r = within(section(name))
    .getAllByTestId("hotlist-entry")
    .find((el) => el.querySelector(".c-hl-value")?.textContent === value);
  if (r === undefined) throw new Error(`no row ${value}`);
  return r;
};

describe("hotlists page: what it shows", () => {
  it("lists each list with its scope, entries in force by priority, and profiles in words", async () => {
    setup();
    await screen.findAllByTestId("hotlist");
    expect(screen.getAllByTestId("hotlist").map((s) => s.getAttribute("data-list"))).toEqual(["Wanted", "West"]);
    expect(within(section("Wanted")).getByTestId("hotlist-scope").textContent).toBe("Goes to every unit");
    expect(within(section("West")).getByTestId("hotlist-scope").textContent).toBe("Goes to: MOBILE-1, MOBILE-2");
    expect(screen.getByText("Lists: 2 · entries in force: 3 · risk profiles in force: 1")).toBeTruthy();

    // High first; the removed and the expired are left out until asked for.
    expect(values("Wanted")).toEqual(["АА 1234 ВС", "CSQU3054383", "AE5555TT"]);
    const aa = row("Wanted", "АА 1234 ВС");
    expect(aa.textContent).toContain("matched as AA1234BC");
    expect(aa.textContent).toContain("High");
    expect(aa.textContent).toContain("Plate");
    expect(within(aa).getByTestId("entry-state").textContent).toBe("In force");
    expect(row("Wanted", "CSQU3054383").textContent).toContain("Container");
    expect(within(row("Wanted", "AE5555TT")).getByTestId("entry-state").textContent).toBe("Not yet in force");
    expect(row("Wanted", "AE5555TT").textContent).toContain("from 01/01/2099");
    expect(within(section("Wanted")).getByText("Removed or expired, not shown: 2.")).toBeTruthy();

    const p = within(section("Wanted")).getByTestId("hotlist-profile");
    expect(p.textContent).toContain("Night arrivals from Poland");
    expect(p.textContent).toContain("the camera read a plate of country PL");
    expect(p.textContent).toContain("between 22:00 and 05:00 UTC");
    expect(p.textContent).toContain("the vehicle is approaching");
    expect(p.textContent).toContain("Night runs carry tobacco");

    fireEvent.click(screen.getByRole("checkbox", { name: "Show removed and expired (2)" }));
    await waitFor(() => expect(values("Wanted")).toHaveLength(5));
    expect(currentSearch()).toBe("?all=1");
    const gone = within(row("Wanted", "KA0021XP")).getByTestId("entry-state");
    expect(gone.getAttribute("data-state")).toBe("removed");
    expect(gone.textContent).toMatch(/^Removed by SUP-07, /);
    expect(within(row("Wanted", "BT9090CC")).getByTestId("entry-state").textContent).toBe("Expired");
    expect(row("Wanted", "BT9090CC").textContent).toContain("through 31/12/2019");
  });

  it("filters on a plate in any spelling or on the reason, in the URL", async () => {
    setup({ route: "/hotlists?q=double" });
    await screen.findAllByTestId("hotlist");
    expect(values("Wanted")).toEqual(["CSQU3054383"]);
    expect(within(section("West")).getByText("Nothing here matches the filter.")).toBeTruthy();
    fireEvent.change(screen.getByRole("searchbox", { name: "Filter by plate, container or reason" }), { target: { value: "аа 1234" } });
    await waitFor(() => expect(values("Wanted")).toEqual(["АА 1234 ВС"]));
    expect(new URLSearchParams(currentSearch()).get("q")).toBe("аа 1234");
    // The profile does not match the plate.
    expect(within(section("Wanted")).queryByTestId("hotlist-profile")).toBeNull();
  });

  it("sorts by a column, and the other way round on a second click", async () => {
    setup();
    await screen.findAllByTestId("hotlist");
    const header = within(section("Wanted")).getByTestId("sort-value");
    fireEvent.click(header);
    expect(values("Wanted")).toEqual(["АА 1234 ВС", "AE5555TT", "CSQU3054383"]);
    expect(header.closest("th")?.getAttribute("aria-sort")).toBe("ascending");
    fireEvent.click(within(section("Wanted")).getByTestId("sort-value"));
    expect(values("Wanted")).toEqual(["CSQU3054383", "AE5555TT", "АА 1234 ВС"]);
  });
});

describe("hotlists page: a supervisor's changes", () => {
  it("adds an entry to an existing list, and removes one after a confirmation", async () => {
    const { add, remove } = setup();
    const form = await screen.findByRole("form", { name: "Add entry" });
    expect(within(form).getByLabelText<HTMLInputElement>("List").value).toBe("Wanted");
    // An existing list keeps its units: none are asked for.
    expect(within(form).queryByLabelText("Units of the new list")).toBeNull();
    fireEvent.change(within(form).getByLabelText("Plate or container code"), { target: { value: "bc 0567 tp" } });
    expect(within(form).getByTestId("value-reading").textContent).toBe("Plate BC0567TP");
    fireEvent.change(within(form).getByLabelText("Reason (the crew sees it)"), { target: { value: "Overweight" } });
    fireEvent.click(within(form).getByRole("radio", { name: "High" }));
    fireEvent.change(within(form).getByLabelText("Valid through"), { target: { value: "2099-12-31" } });
    fireEvent.click(within(form).getByTestId("entry-submit"));

    await waitFor(() => expect(within(form).getByRole("status").textContent).toBe("bc 0567 tp is on “Wanted”."));
    expect(add).toHaveBeenCalledExactlyOnceWith({
      list: "Wanted",
      units: [],
      value: "bc 0567 tp",
      reason: "Overweight",
      priority: "high",
      valid_from_ms: null,
      valid_until_ms: Date.UTC(2100, 0, 1),
    });
    await waitFor(() => expect(values("Wanted")).toContain("bc 0567 tp"));
    const added = row("Wanted", "bc 0567 tp");
    expect(added.textContent).toContain("matched as BC0567TP");
    expect(added.textContent).toContain("through 31/12/2099");
    expect(added.textContent).toContain("SUP-07");
    // The form is ready for the next one on the same list.
    expect(within(form).getByLabelText<HTMLInputElement>("Plate or container code").value).toBe("");
    expect(within(form).getByLabelText<HTMLInputElement>("List").value).toBe("Wanted");

    // Cancelled: nothing is sent.
    fireEvent.click(within(row("Wanted", "АА 1234 ВС")).getByTestId("remove"));
    fireEvent.click(within(section("Wanted")).getByRole("button", { name: "Cancel" }));
    expect(screen.queryByTestId("remove-confirm")).toBeNull();
    expect(remove).not.toHaveBeenCalled();

    fireEvent.click(within(row("Wanted", "АА 1234 ВС")).getByTestId("remove"));
    const confirm = screen.getByTestId("remove-confirm");
    expect(confirm.textContent).toContain("Remove AA1234BC from “Wanted”?");
    expect(document.activeElement).toBe(within(confirm).getByTestId("remove-yes"));
    fireEvent.click(within(confirm).getByTestId("remove-yes"));
    await waitFor(() => expect(values("Wanted")).not.toContain("АА 1234 ВС"));
    expect(remove).toHaveBeenCalledExactlyOnceWith("e-aa");
    expect(screen.getByText("AA1234BC is removed from “Wanted”.")).toBeTruthy();
    // It stays in the list's history.
    fireEvent.click(screen.getByTestId("show-all"));
    await waitFor(() => expect(within(row("Wanted", "АА 1234 ВС")).getByTestId("entry-state").textContent).toMatch(/^Removed by SUP-07, /));
    expect(within(row("Wanted", "АА 1234 ВС")).queryByTestId("remove")).toBeNull();
  });

  it("says what is missing before sending, and what the server refuses beside the form", async () => {
    const { add } = setup();
    const form = await screen.findByRole("form", { name: "Add entry" });
    fireEvent.click(within(form).getByTestId("entry-submit"));
    expect(within(form).getAllByRole("alert").map((a) => a.textContent)).toEqual([
      "Enter a plate or container code.",
      "Give the reason: the crew sees it with the alert.",
    ]);
    expect(add).not.toHaveBeenCalled();

    fireEvent.change(within(form).getByLabelText("Plate or container code"), { target: { value: "AA!!1" } });
    expect(within(form).getByTestId("value-reading").textContent).toBe("Not a plate or container code: only letters and digits.");
    fireEvent.change(within(form).getByLabelText("Reason (the crew sees it)"), { target: { value: "Typo test" } });
    fireEvent.click(within(form).getByTestId("entry-submit"));
    const refusal = await within(form).findByRole("alert");
    expect(refusal.getAttribute("data-code")).toBe("invalid_input");
    expect(refusal.textContent).toContain("The server did not accept what was entered.");
    expect(refusal.textContent).toContain('Details: value: plate "AA!!1" contains "!", which is not a letter or digit');
    expect(add).toHaveBeenCalledOnce();
    // What was typed stays, to be corrected.
    expect(within(form).getByLabelText<HTMLInputElement>("Plate or container code").value).toBe("AA!!1");
  });

  it("adds a risk profile to a new list going to the units named", async () => {
    const { addProfile } = setup();
    const form = await screen.findByRole("form", { name: "Add risk profile" });
    fireEvent.change(within(form).getByLabelText("List"), { target: { value: "Night watch" } });
    expect(within(form).getByText("A new list: it is made with this entry.")).toBeTruthy();
    fireEvent.change(within(form).getByLabelText("Units of the new list"), { target: { value: "MOBILE-3, MOBILE-4" } });
    fireEvent.change(within(form).getByLabelText("Profile name"), { target: { value: "Tobacco declared" } });
    fireEvent.change(within(form).getByLabelText("Reason (the crew sees it)"), { target: { value: "Always open tobacco loads" } });
    fireEvent.click(within(form).getByTestId("profile-submit"));
    expect(within(form).getByRole("alert").textContent).toBe("Give at least one condition: country, hours, word or direction.");
    fireEvent.change(within(form).getByLabelText("From hour (UTC)"), { target: { value: "23" } });
    fireEvent.click(within(form).getByTestId("profile-submit"));
    expect(within(form).getByRole("alert").textContent).toBe("Give both hours, or neither.");
    fireEvent.change(within(form).getByLabelText("From hour (UTC)"), { target: { value: "" } });
    fireEvent.change(within(form).getByLabelText("Word in the declaration or notes"), { target: { value: "tobacco" } });
    fireEvent.change(within(form).getByLabelText("Direction of travel"), { target: { value: "leave" } });
    expect(addProfile).not.toHaveBeenCalled();
    fireEvent.click(within(form).getByTestId("profile-submit"));

    await waitFor(() => expect(within(form).getByRole("status").textContent).toBe("Profile “Tobacco declared” is on “Night watch”."));
    expect(addProfile).toHaveBeenCalledExactlyOnceWith({
      list: "Night watch",
      units: ["MOBILE-3", "MOBILE-4"],
      name: "Tobacco declared",
      country: null,
      hour_from: null,
      hour_to: null,
      keyword: "tobacco",
      direction: "leave",
      reason: "Always open tobacco loads",
      priority: "medium",
      valid_from_ms: null,
      valid_until_ms: null,
    });
    await waitFor(() => expect(screen.getAllByTestId("hotlist").map((s) => s.getAttribute("data-list"))).toEqual(["Night watch", "Wanted", "West"]));
    expect(within(section("Night watch")).getByTestId("hotlist-scope").textContent).toBe("Goes to: MOBILE-3, MOBILE-4");
    const p = within(section("Night watch")).getByTestId("hotlist-profile");
    expect(p.textContent).toContain("the declaration or the notes mention “tobacco”");
    expect(p.textContent).toContain("the vehicle is leaving");
  });
});

describe("hotlists page: roles", () => {
  it("an auditor reads the lists, without forms or remove buttons", async () => {
    setup({ as: "AUD-01" });
    await screen.findAllByTestId("hotlist");
    expect(screen.getByTestId("read-only").textContent).toBe("Read only: supervisors add and remove entries and risk profiles.");
    expect(screen.queryByRole("form")).toBeNull();
    expect(screen.queryByTestId("entry-form")).toBeNull();
    expect(screen.queryByTestId("profile-form")).toBeNull();
    expect(screen.queryAllByTestId("remove")).toEqual([]);
    expect(values("Wanted")).toHaveLength(3);
  });

  it("an administrator reaches the lists from the top bar and reads them", async () => {
    setup({ as: "ADM-01", route: "/" });
    // The administrator lands on the fleet page.
    await screen.findByTestId("fleet-page");
    const nav = screen.getByRole("navigation", { name: "Console menu" });
    expect(within(nav).queryByText("Review queue")).toBeNull();
    expect(screen.queryByTestId("open-hits")).toBeNull();
    fireEvent.click(within(nav).getByRole("link", { name: "Hotlists" }));
    await screen.findAllByTestId("hotlist");
    expect(screen.getByTestId("location").getAttribute("data-path")).toBe("/hotlists");
    expect(screen.getByTestId("read-only")).toBeTruthy();
    expect(screen.queryByRole("form")).toBeNull();
    expect(screen.queryAllByTestId("remove")).toEqual([]);
  });
});
