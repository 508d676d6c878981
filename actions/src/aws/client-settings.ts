// What every AWS client of a run is made with (aws/clients.ts, and the STS client that
// aws/early-identity.ts makes before the rest of the SDK is loaded).
export interface ClientSettings {
  region: string;
  maxAttempts: number;
}

export function clientSettings(region: string): ClientSettings {
  return { region, maxAttempts: 5 };
}
