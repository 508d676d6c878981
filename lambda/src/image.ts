// Image type checks: what a declared Content-Type may be, and what the bytes really are.

export type ImageType = "image/jpeg" | "image/png" | "image/gif" | "image/webp";

const startsWith = (bytes: Uint8Array, sig: readonly number[], offset = 0): boolean =>
  bytes.length >= offset + sig.length && sig.every((b, i) => bytes[offset + i] === b);

const ascii = (s: string): number[] => Array.from(Buffer.from(s, "latin1"));

/** Identifies a supported image format from its magic bytes; undefined for anything else. */
export function sniffImageType(bytes: Uint8Array): ImageType | undefined {
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return "image/jpeg";
  if (startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (startsWith(bytes, ascii("GIF87a")) || startsWith(bytes, ascii("GIF89a"))) return "image/gif";
  if (startsWith(bytes, ascii("RIFF")) && startsWith(bytes, ascii("WEBP"), 8)) return "image/webp";
  return undefined;
}

/** The media type of a Content-Type header value, lower-cased, without parameters. */
export function mediaType(header: string | undefined): string | undefined {
  const type = header?.split(";")[0]?.trim().toLowerCase();
  return type === undefined || type === "" ? undefined : type;
}

const GENERIC_BINARY = new Set([
  "application/octet-stream",
  "binary/octet-stream",
  "application/x-image",
]);

/**
 * Whether a declared type may carry an image. Any image/* is allowed (the bytes decide which);
 * generic binary types and a missing header are allowed too, because object stores often serve
 * images that way. Anything else (text/html, application/json...) is refused before download.
 */
export function mayBeImage(declared: string | undefined): boolean {
  const type = mediaType(declared);
  return type === undefined || type.startsWith("image/") || GENERIC_BINARY.has(type);
}

/**
 * The ContentType sent to the model endpoint. The inference container accepts image/jpeg,
 * image/png and application/x-image (any format its image library opens), so other formats go
 * as application/x-image.
 */
export function endpointContentType(type: ImageType): string {
  return type === "image/jpeg" || type === "image/png" ? type : "application/x-image";
}
