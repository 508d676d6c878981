// Where the runner token came from, as far as the job can tell. MLOPS_RUNNER_TOKEN can register
// runners (Administration: write); as a repository secret any workflow on any branch reads it,
// so it belongs to the production environment. A job outside any environment can only have
// read it from the repository or the organization: its OIDC token's claims say so.

/** The claims of a GitHub Actions OIDC token (its middle part), without checking the signature. */
export function oidcClaims(jwt: string): Record<string, unknown> | undefined {
  const payload = jwt.split(".")[1];
  if (payload === undefined) return undefined;
  try {
    const claims: unknown = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    return claims !== null && typeof claims === "object"
      ? (claims as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** A warning for a runner token read by a job outside any deployment environment. */
export function runnerTokenWarning(
  claims: Record<string, unknown> | undefined,
): string | undefined {
  if (claims === undefined) return undefined;
  const environment = claims["environment"];
  if (typeof environment === "string" && environment !== "") return undefined;
  return (
    "github-token is used by a job with no deployment environment, so it is a repository or " +
    "organization secret that any workflow on any branch can read. It can register runners " +
    "(Administration: write): store it as a secret of the production environment instead (docs/setup.md)."
  );
}
