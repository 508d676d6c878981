// The ec2-runner action warns when its Administration-write token can only be a repository (or
// organization) secret: the job holding it runs in no deployment environment.
import { describe, expect, it } from "vitest";
import { oidcClaims, runnerTokenWarning } from "../../../actions/src/ec2-runner/token-source.js";

const jwt = (claims: object): string =>
  `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.signature`;

describe("the runner token's source", () => {
  it("says nothing for a job of an environment", () => {
    const claims = oidcClaims(
      jwt({ sub: "repo:acme/pets:environment:production", environment: "production" }),
    );
    expect(runnerTokenWarning(claims)).toBeUndefined();
  });

  it("warns for a job outside any environment (the secret is the repository's)", () => {
    const claims = oidcClaims(jwt({ sub: "repo:acme/pets:ref:refs/heads/main" }));
    expect(runnerTokenWarning(claims)).toMatch(
      /repository or organization secret.*production environment/,
    );
  });

  it("says nothing when it cannot tell", () => {
    expect(runnerTokenWarning(oidcClaims("not-a-jwt"))).toBeUndefined();
    expect(runnerTokenWarning(oidcClaims("a.%%%.b"))).toBeUndefined();
  });
});
