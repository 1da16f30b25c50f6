// Made-up inspections for the in-memory transport in development, shaped
// like the study-visit demo's (crossing points, plates, container codes),
// the hotlists the vehicle holds, and pictures of camera reads.

import { parsePlate } from "../domain/plate.ts";
import type { ReviewEntry } from "../domain/review.ts";
import type { SeedInspection } from "./memory.ts";
import type {
  Alert,
  AnprRead,
  Decision,
  HotlistEntry,
  HotlistView,
  InspectionView,
  Plate,
  ReadImage,
  ReadImageKind,
  RiskProfile,
  Scan,
} from "./types.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function plate(raw: string): Plate {
  const r = parsePlate(raw);
  if (!r.ok) throw new Error(`demo plate ${raw} does not parse`);
  return { ...r.plate };
}

function view(
  id: string,
  created_ms: number,
  fields: Partial<InspectionView> & { tractor: string },
): InspectionView {
  const { tractor, ...rest } = fields;
  return {
    id,
    created_ms,
    created_by: "OF-1742",
    unit: "MOBILE-1",
    crew: ["OF-1742"],
    location: { place: "Rava-Ruska", lat: null, lon: null },
    tractor_plate: plate(tractor),
    trailer_plate: null,
    containers: [],
    declaration: null,
    notes: "",
    decisions: [],
    reviews: [],
    scans: [],
    annotations: [],
    ...rest,
  };
}

const decision = (d: Partial<Decision> & Pick<Decision, "outcome" | "at_ms">): Decision => ({
  reasons: [],
  note: "",
  officer: "OF-1742",
  ...d,
});

const review = (r: Partial<ReviewEntry> & Pick<ReviewEntry, "verdict" | "at_ms">): ReviewEntry => ({
  comment: "",
  supervisor: "SUP-07",
  outcome: null,
  reasons: [],
  decisions_seen: 1,
  ...r,
});

/** A single-energy scan entry (its tiles are drawn by demoTiles.ts). */
const singleScan = (id: string, name: string, added_ms: number, width = 4800, height = 1600): Scan => ({
  id,
  images: [{ blob: id, size: 11_520_390, width, height, bits: 16, channels: 1, format: "tiff", energy: "single" }],
  name,
  scanner: "GANTRY-2",
  captured_ms: added_ms - 2 * MIN,
  pixel_mm: 5,
  added_ms,
  added_by: "OF-1742",
});

/**
 * A read of the Hikvision camera over lane 1 at the gantry's approach, as
 * its push was spooled (`push`) and attached (its images are left out).
 */
const hikvisionRead = (push: number, captured_ms: number, text: string | null, over: Partial<AnprRead> = {}): AnprRead => ({
  id: `${captured_ms + 700}-4182-${String(push).padStart(8, "0")}#0`,
  received_ms: captured_ms + 700,
  captured_ms,
  vendor: "hikvision",
  camera: "gate-2",
  lane: "1",
  role: null,
  text,
  plate: text === null ? null : plate(text),
  confidence: null,
  char_confidence: [],
  country: "UA",
  direction: "approach",
  images: [],
  added_by: "OF-1742",
  ...over,
});

/** A made-up blob hash (64 hex digits), the same for the same name. */
function fakeBlob(name: string): string {
  let out = "";
  let h = 0x811c9dc5;
  for (let round = 0; out.length < 64; round++) {
    for (const ch of `${name}#${round}`) {
      h ^= ch.codePointAt(0) ?? 0;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, 64);
}

/** A read's plate crop and scene, as a camera pushes them. */
const readImages = (name: string): ReadImage[] => [
  { kind: "plate", blob: fakeBlob(`${name}:plate`), size: 14_200, content_type: "image/jpeg" },
  { kind: "scene", blob: fakeBlob(`${name}:scene`), size: 212_800, content_type: "image/jpeg" },
];

const entry = (
  id: string,
  value: string,
  reason: string,
  priority: HotlistEntry["priority"],
  added_ms: number,
): HotlistEntry => ({
  id,
  value,
  kind: "plate",
  canonical: plate(value).canonical,
  reason,
  priority,
  valid_from_ms: null,
  valid_until_ms: null,
  added_by: "SUP-07",
  added_ms,
  removed: null,
});

/**
 * The hotlists the demo vehicle holds: wanted Ukrainian vehicles, stolen
 * vehicles and trailers from the Schengen Information System, and a risk
 * profile. Pass them to the in-memory transport as `hotlists`.
 */
export function demoHotlists(now: number): HotlistView[] {
  const t = (ago: number): number => now - ago;
  const profile: RiskProfile = {
    id: "rp-night-by",
    name: "Нічний вʼїзд з Білорусі",
    country: "BY",
    hour_from: 22,
    hour_to: 5,
    keyword: null,
    direction: "approach",
    reason: "Нічні вʼїзди з BY: огляд за ризиком",
    priority: "medium",
    valid_from_ms: null,
    valid_until_ms: null,
    added_by: "SUP-07",
    added_ms: t(20 * DAY),
    removed: null,
  };
  return [
    {
      id: "hl-ua-wanted",
      name: "Розшук НПУ: транспортні засоби",
      units: [],
      created_ms: t(40 * DAY),
      entries: [
        entry("e-ua-1", "ВО 7781 ЕМ", "Викрадений тягач: розшук НПУ від 02.11", "high", t(9 * DAY)),
        entry("e-ua-2", "КА 3390 ІН", "Повʼязаний зі схемою контрабанди тютюну", "medium", t(15 * DAY)),
        entry("e-ua-3", "AH 2654 OH", "Орієнтування ДПСУ: перевірити вантаж і документи", "high", t(3 * DAY)),
      ],
      profiles: [profile],
    },
    {
      id: "hl-eu-sis",
      name: "SIS II: викрадені ТЗ (ЄС)",
      units: [],
      created_ms: t(60 * DAY),
      entries: [
        entry("e-eu-1", "WGM 4K21", "Викрадений напівпричіп (PL), запис SIS II", "medium", t(6 * DAY)),
        entry("e-eu-2", "B MX 4471", "Викрадений тягач (DE), запис SIS II", "high", t(30 * DAY)),
      ],
      profiles: [],
    },
  ];
}

const escapeXml = (s: string): string =>
  s.replace(/[<>&"']/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&apos;" })[c] ?? c);

const svgUrl = (svg: string): string => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;

/** A number plate as a camera crops it: white plate, blue band with the country. */
function plateSvg(text: string, country: string): string {
  const mono = `font-family="DejaVu Sans Mono, monospace" font-weight="700"`;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="520" height="130" viewBox="0 0 520 130">` +
    `<rect width="520" height="130" fill="#3a3d40"/>` +
    `<rect x="14" y="13" width="492" height="104" rx="8" fill="#f2f2ee" stroke="#111" stroke-width="4"/>` +
    `<rect x="16" y="15" width="56" height="100" rx="6" fill="#1f4fb4"/>` +
    `<text x="44" y="98" text-anchor="middle" font-size="26" fill="#ffd400" ${mono}>${escapeXml(country)}</text>` +
    `<text x="290" y="88" text-anchor="middle" font-size="64" fill="#111" ${mono} textLength="400" lengthAdjust="spacingAndGlyphs">${escapeXml(text)}</text>` +
    `</svg>`
  );
}

/** The camera's whole picture: a truck's cab at night, lit, its plate small. */
function sceneSvg(text: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360" viewBox="0 0 640 360">` +
    `<rect width="640" height="360" fill="#15181c"/>` +
    `<rect y="250" width="640" height="110" fill="#24272b"/>` +
    `<path d="M0 300 L640 270" stroke="#d8d8c0" stroke-width="4" stroke-dasharray="30 20"/>` +
    `<rect x="210" y="60" width="220" height="210" rx="14" fill="#5d6a78"/>` +
    `<rect x="228" y="80" width="184" height="80" rx="6" fill="#2b3440"/>` +
    `<rect x="220" y="190" width="200" height="40" fill="#3b444e"/>` +
    `<circle cx="238" cy="210" r="14" fill="#fffbe0"/><circle cx="402" cy="210" r="14" fill="#fffbe0"/>` +
    `<rect x="272" y="236" width="96" height="22" fill="#f2f2ee" stroke="#111"/>` +
    `<text x="320" y="253" text-anchor="middle" font-size="15" font-family="DejaVu Sans Mono, monospace" font-weight="700" fill="#111">${escapeXml(text)}</text>` +
    `</svg>`
  );
}

/** A made-up picture of a read's image (the in-memory transport's `readImageUrl`). */
export function demoReadImageUrl(kind: ReadImageKind, text: string | null, country: string | null = "UA"): string {
  const shown = text ?? "???";
  return svgUrl(kind === "plate" ? plateSvg(shown, country ?? "") : sceneSvg(shown));
}

export function demoSeed(now: number): SeedInspection[] {
  const t = (ago: number): number => now - ago;
  return [
    {
      sync: "pending",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0001", t(12 * MIN), {
        tractor: "АА 1234 ВС",
        trailer_plate: plate("AI 5678 XT"),
        containers: ["CSQU3054383"],
        declaration: "UA209160/2026/004211",
        notes: "Пломба на місці, номер збігається з декларацією.",
        reads: [
          hikvisionRead(17, t(13 * MIN), "АА1234ВС", {
            role: "tractor",
            confidence: 0.94,
            char_confidence: [98, 97, 99, 99, 98, 99, 91, 96],
          }),
          hikvisionRead(18, t(13 * MIN) + 9_000, "AI5678XT", {
            camera: "gate-2-rear",
            role: "trailer",
            confidence: 0.81,
            char_confidence: [96, 74, 98, 97, 99, 98, 88, 95],
          }),
        ],
        scans: [
          {
            id: "5ce3d641448bbdf419e1b350e6456f1ac8382463166d27641a20c21a610e44e3",
            images: [
              {
                blob: "5ce3d641448bbdf419e1b350e6456f1ac8382463166d27641a20c21a610e44e3",
                size: 24_000_390,
                width: 6000,
                height: 2000,
                bits: 16,
                channels: 1,
                format: "tiff",
                energy: "high",
              },
              {
                blob: "0e1790b5a9e7b9bd07477c049bf87f3c0cf8c462d8884750765515743d127012",
                size: 24_000_390,
                width: 6000,
                height: 2000,
                bits: 16,
                channels: 1,
                format: "tiff",
                energy: "low",
              },
            ],
            name: "TRK_0001_high.tif",
            scanner: "GANTRY-2",
            captured_ms: t(14 * MIN),
            pixel_mm: 5,
            added_ms: t(11 * MIN),
            added_by: "OF-1742",
          },
        ],
        annotations: [
          {
            id: "a7d1e0c4-3b7e-4f0a-9c55-0d5e8f1a0001",
            scan: "5ce3d641448bbdf419e1b350e6456f1ac8382463166d27641a20c21a610e44e3",
            kind: "density_anomaly",
            shape: { type: "rect", x: 3540, y: 560, w: 560, h: 660 },
            label: "Щільний блок за вантажем",
            added_ms: t(9 * MIN),
            added_by: "OF-1742",
          },
        ],
      }),
    },
    {
      // The same tractor three weeks earlier: its history and a scan to compare.
      sync: "acknowledged",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0006", t(21 * DAY), {
        tractor: "AA1234BC",
        containers: ["CSQU3054383"],
        declaration: "UA209160/2026/001877",
        location: { place: "Shehyni", lat: null, lon: null },
        decisions: [decision({ outcome: "release", at_ms: t(21 * DAY - 9 * MIN) })],
        scans: [
          {
            id: "9a41f1b0d3c2e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f901",
            images: [
              {
                blob: "9a41f1b0d3c2e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f901",
                size: 12_000_390,
                width: 4800,
                height: 1600,
                bits: 16,
                channels: 1,
                format: "tiff",
                energy: "single",
              },
            ],
            name: "TRK_0317.tif",
            scanner: "GANTRY-1",
            captured_ms: t(21 * DAY + 2 * MIN),
            pixel_mm: 6.25,
            added_ms: t(21 * DAY),
            added_by: "OF-2210",
          },
        ],
      }),
    },
    {
      sync: "acknowledged",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0002", t(2 * HOUR), {
        tractor: "BO1734OA",
        trailer_plate: plate("BC0567TP"),
        location: { place: "Shehyni", lat: null, lon: null },
        containers: ["MSKU9070323"],
        declaration: "UA209153/2026/431772",
        decisions: [
          decision({
            outcome: "physical_inspection",
            reasons: ["DENSITY_ANOMALY"],
            note: "Щільна маса за передньою стінкою",
            at_ms: t(2 * HOUR - 10 * MIN),
          }),
        ],
        reviews: [review({ verdict: "agree", comment: "Відкрити контейнер", at_ms: t(HOUR) })],
      }),
    },
    {
      sync: "acknowledged",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0003", t(3 * HOUR), {
        tractor: "ВН 9975 ТО",
        location: { place: "Yahodyn", lat: null, lon: null },
        reads: [
          hikvisionRead(4, t(3 * HOUR + 2 * MIN), "ВН9975ТО", {
            role: "tractor",
            confidence: 0.97,
            char_confidence: [99, 98, 99, 99, 97, 99, 96, 98],
          }),
          // The trailer's plate was too dirty to read.
          hikvisionRead(5, t(3 * HOUR + 2 * MIN) + 11_000, null, { camera: "gate-2-rear" }),
        ],
        containers: ["TGHU7599834"],
        declaration: "UA209508/2026/647941",
        decisions: [decision({ outcome: "release", at_ms: t(3 * HOUR - 5 * MIN) })],
        scans: [singleScan("3f6b1c0e9d2a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9011223344", "TRK_0042.tif", t(3 * HOUR - 20 * MIN))],
        // Returned, not answered yet: the crew sees a banner asking for a new decision.
        reviews: [
          review({
            verdict: "return",
            comment: "Органічна маса біля дверей: огляньте ще раз",
            at_ms: t(90 * MIN),
          }),
        ],
      }),
    },
    {
      // Overruled: the supervisor's outcome stands in place of the crew's.
      sync: "acknowledged",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0007", t(5 * HOUR), {
        tractor: "ВС 4410 НА",
        trailer_plate: plate("BC 2291 XM"),
        location: { place: "Rava-Ruska", lat: null, lon: null },
        containers: ["MSCU6639870"],
        declaration: "UA209160/2026/004190",
        decisions: [decision({ outcome: "release", note: "Відповідає декларації", at_ms: t(5 * HOUR - 12 * MIN) })],
        scans: [singleScan("7c2e4a6b8d0f1e3a5c7e9b1d3f5a7c9e0b2d4f6a8c0e1b3d5f7a9c0e2b4d6f81", "TRK_0037.tif", t(5 * HOUR - 25 * MIN), 6000, 2000)],
        reviews: [
          review({
            verdict: "overrule",
            outcome: "physical_inspection",
            reasons: ["ORGANIC_MASS"],
            comment: "Неоднорідна щільність у задній третині: відкрити контейнер",
            at_ms: t(3 * HOUR),
          }),
        ],
      }),
    },
    {
      // Returned and answered: the crew recorded a new decision after the return.
      sync: "pending",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0008", t(7 * HOUR), {
        tractor: "АІ 3017 КВ",
        location: { place: "Yahodyn", lat: null, lon: null },
        containers: ["TCLU1234568"],
        decisions: [
          decision({ outcome: "release", at_ms: t(7 * HOUR - 10 * MIN) }),
          decision({
            outcome: "physical_inspection",
            reasons: ["SEAL_MISMATCH"],
            note: "Пломба не збігається з декларацією; направлено на фізичний огляд",
            at_ms: t(4 * HOUR),
          }),
        ],
        reviews: [review({ verdict: "return", comment: "Перевірте номер пломби", at_ms: t(5 * HOUR) })],
      }),
    },
    {
      sync: "acknowledged",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0004", t(26 * HOUR), {
        tractor: "AH2654OH",
        location: { place: "Shehyni", lat: null, lon: null },
        containers: ["BICU1234565"],
        declaration: "UA209403/2026/341810",
        decisions: [
          decision({ outcome: "refer", reasons: ["HOTLIST"], at_ms: t(26 * HOUR - 8 * MIN) }),
        ],
        // The typed tractor plate was on a list; the crew confirmed the hit.
        alerts: [
          demoAlert("hl-ua-wanted", "e-ua-3", {
            id: "5e21c04a9b17",
            at_ms: t(26 * HOUR - MIN),
            source: "typed",
            role: "tractor",
            seen: "AH2654OH",
            entry_value: "AH2654OH",
            reason: "Орієнтування ДПСУ: перевірити вантаж і документи",
            priority: "high",
            response: {
              response: "confirmed",
              note: "Номер збігається, водія опитано, передано до ДПСУ",
              officer: "OF-1742",
              at_ms: t(26 * HOUR - 4 * MIN),
            },
          }),
        ],
      }),
    },
    {
      sync: "rejected",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0005", t(30 * HOUR), {
        tractor: "КА 0021 ХР",
        location: { place: "Rava-Ruska", lat: null, lon: null },
      }),
    },
    demoAlertInspection(now),
  ];
}

const demoAlert = (list_id: string, entry_id: string, over: Partial<Alert> & Pick<Alert, "id" | "at_ms" | "seen" | "entry_value" | "reason" | "priority">): Alert => ({
  raised_by: "OF-1742",
  response: null,
  source: "read",
  read_id: null,
  role: null,
  list_id,
  list: list_id === "hl-eu-sis" ? "SIS II: викрадені ТЗ (ЄС)" : "Розшук НПУ: транспортні засоби",
  entry_id,
  tier: "exact",
  ...over,
});

/**
 * Minutes ago the gantry's cameras read a wanted tractor: the app opened
 * an inspection for the read and raised a high-priority alert nobody has
 * answered yet; the trailer's plate is one character off a stolen
 * trailer's (a medium-priority alert, also open).
 */
function demoAlertInspection(now: number): SeedInspection {
  const captured = now - 4 * MIN;
  const tractor = hikvisionRead(41, captured, "ВО7781ЕМ", {
    role: "tractor",
    confidence: 0.96,
    char_confidence: [99, 97, 99, 98, 99, 97, 95, 98],
    images: readImages("read-41"),
  });
  const trailer = hikvisionRead(42, captured + 8_000, "WGM4K27", {
    camera: "gate-2-rear",
    role: "trailer",
    country: "PL",
    confidence: 0.78,
    char_confidence: [97, 92, 95, 96, 90, 88, 61],
    images: readImages("read-42"),
  });
  return {
    sync: "pending",
    view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0009", now - 4 * MIN + 2_000, {
      tractor: "ВО7781ЕМ",
      trailer_plate: plate("WGM4K27"),
      reads: [tractor, trailer],
      alerts: [
        demoAlert("hl-ua-wanted", "e-ua-1", {
          id: "9c4e11d07a3f",
          at_ms: captured + 700,
          read_id: tractor.id,
          role: "tractor",
          seen: "ВО7781ЕМ",
          entry_value: "BO7781EM",
          reason: "Викрадений тягач: розшук НПУ від 02.11",
          priority: "high",
        }),
        demoAlert("hl-eu-sis", "e-eu-1", {
          id: "2b7f60e98c15",
          at_ms: captured + 8_700,
          read_id: trailer.id,
          role: "trailer",
          seen: "WGM4K27",
          entry_value: "WGM4K21",
          reason: "Викрадений напівпричіп (PL), запис SIS II",
          priority: "medium",
          tier: "one_edit",
        }),
      ],
    }),
  };
}
