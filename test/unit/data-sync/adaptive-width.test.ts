import { describe, expect, it } from "vitest";
import { AdaptiveWidth } from "../../../actions/src/data-sync/adaptive-width.js";

/** A task that stays in flight until released. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = (): void => undefined;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

describe("AdaptiveWidth", () => {
  it("keeps at most its width in flight", async () => {
    const width = new AdaptiveWidth(3);
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        width.run(
          async () => {
            peak = Math.max(peak, ++inFlight);
            await new Promise((r) => setTimeout(r, 1));
            inFlight--;
          },
          () => false,
        ),
      ),
    );
    expect(peak).toBe(3);
  });

  it("halves once for a round of congestion, then widens by one per width successes", async () => {
    const width = new AdaptiveWidth(8);
    // Eight in flight, all throttled: one cut (the others started before it), not eight.
    const gates = Array.from({ length: 8 }, gate);
    const runs = gates.map((g) =>
      width.run(
        () => g.promise,
        () => true,
      ),
    );
    for (const g of gates) g.open();
    await Promise.all(runs);
    expect(width.current).toBe(4);

    // A congested request started after the cut cuts again.
    await width.run(
      () => Promise.resolve(),
      () => true,
    );
    expect(width.current).toBe(2);

    // Two successes widen to 3, three more to 4, ... never past the most.
    for (let i = 0; i < 2; i++)
      await width.run(
        () => Promise.resolve(),
        () => false,
      );
    expect(width.current).toBe(3);
    for (let i = 0; i < 200; i++)
      await width.run(
        () => Promise.resolve(),
        () => false,
      );
    expect(width.current).toBe(8);
  });

  it("passes errors through and counts them as congestion when judged so", async () => {
    const width = new AdaptiveWidth(4);
    const slowDown = Object.assign(new Error("Please reduce your request rate."), {
      name: "SlowDown",
    });
    await expect(
      width.run(
        () => Promise.reject(slowDown),
        (outcome) => "error" in outcome,
      ),
    ).rejects.toBe(slowDown);
    expect(width.current).toBe(2);
  });
});
