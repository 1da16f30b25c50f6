// Reading an enrollment token's QR code: from an image file (a photo of
// the administrator's screen or printout, or the SVG the server wrote) or
// from a live camera, decoded in the page with jsQR. Nothing leaves the
// vehicle: the token goes into the enrollment form for the crew to check.

import jsQR from "jsqr";

/** Photos are scaled down to this many pixels on their longer side before decoding. */
const MAX_SIDE = 1600;

/** The pixels of `source` (scaled to at most MAX_SIDE), or null where the page cannot draw. */
function pixels(source: CanvasImageSource, width: number, height: number): ImageData | null {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  if (ctx === null) return null;
  // A white ground: an SVG or a PNG with transparency reads as black on white.
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, w, h);
  ctx.drawImage(source, 0, 0, w, h);
  return ctx.getImageData(0, 0, w, h);
}

/** The text of the first QR code in the pixels, or null. */
export function decodeQrPixels(image: ImageData): string | null {
  const found = jsQR(image.data, image.width, image.height, { inversionAttempts: "attemptBoth" });
  return found === null || found.data === "" ? null : found.data;
}

/** Loads an image file (PNG, JPEG, SVG, ...) as an element the canvas can draw. */
function loadImage(file: Blob): Promise<HTMLImageElement> {
  const url = URL.createObjectURL(file);
  return new Promise<HTMLImageElement>((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error("the file is not an image this screen can read"));
    img.src = url;
  }).finally(() => URL.revokeObjectURL(url));
}

/** The text of the QR code in an image file, or null when it holds none. Rejects when it is not an image. */
export async function decodeQrFile(file: Blob): Promise<string | null> {
  const img = await loadImage(file);
  const width = img.naturalWidth || img.width;
  const height = img.naturalHeight || img.height;
  if (width === 0 || height === 0) return null;
  const data = pixels(img, width, height);
  return data === null ? null : decodeQrPixels(data);
}

/** The text of a QR code in the video's current frame, or null. */
export function decodeQrFrame(video: HTMLVideoElement): string | null {
  if (video.videoWidth === 0 || video.videoHeight === 0) return null;
  const data = pixels(video, video.videoWidth, video.videoHeight);
  return data === null ? null : decodeQrPixels(data);
}

/** Whether this page may ask for a camera at all. */
export function cameraAvailable(): boolean {
  return typeof navigator !== "undefined" && typeof navigator.mediaDevices?.getUserMedia === "function";
}
