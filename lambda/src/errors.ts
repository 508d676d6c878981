// The one error type the handler turns into an HTTP answer. Anything else that escapes is a bug
// and becomes a generic 500 (logged, never echoed).
//
// Status policy (documented here, asserted by the tests):
//   400  bad input: malformed JSON, neither url nor image, bad base64, non-https URL, blocked
//        address, not an image, unreachable image URL or a non-200 answer from it, and an image
//        the model itself refused (ModelError with OriginalStatusCode 400 or 415: inference.py
//        answers 400 for an unreadable image or one over its pixel budget)
//   405  HTTP method other than POST (OPTIONS is answered as a CORS preflight)
//   413  image too large: inline base64, raw body, Content-Length or streamed bytes over the cap.
//        413 rather than 400 so that clients can tell "shrink it" from "fix it". Also a model
//        that answers 413 itself (ModelError with OriginalStatusCode 413).
//   500  configuration error (e.g. MLOPS_ENDPOINT_NAME unset) or an unexpected bug
//   502  the model endpoint failed (ModelError, endpoint missing, unreadable answer)
//   504  fetching the image or invoking the endpoint ran out of time
export class HttpError extends Error {
  override readonly name = "HttpError";

  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const badRequest = (code: string, message: string, cause?: unknown): HttpError =>
  new HttpError(400, code, message, { cause });

export const tooLarge = (maxBytes: number, what: string): HttpError =>
  new HttpError(413, "image_too_large", `${what} is larger than the limit of ${maxBytes} bytes`);

/** The most characters of a caller's (or a remote server's) text an error message repeats. */
export const ECHO_MAX = 40;

/**
 * Caller-supplied text as an error message may repeat it (in the body and the log): control
 * characters replaced, at most ECHO_MAX characters, so a 1 MB scheme is not answered with 1 MB.
 */
export function echo(text: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
  return clean.length > ECHO_MAX
    ? `${clean.slice(0, ECHO_MAX)}... (${clean.length} characters)`
    : clean;
}
