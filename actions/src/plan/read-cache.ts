// One plan's reads, each sent once. Handlers read what they need on their own (the endpoint
// describes its current config, the endpoint-config node describes the same one; the reserved
// concurrency node reads the function GetFunction already returned); within one plan those
// requests are identical and their answers cannot usefully differ, so the second caller joins
// the first one's request instead of paying another round trip. Only reads are shared, and only
// for the plan's lifetime: apply-time calls always go to AWS.
import { mapClients, type AwsClients } from "../aws/clients.js";
import { canonicalJson } from "../canonical.js";

const READ_COMMAND = /^(Get|Describe|List|Head)[A-Z]/;
// Answers whose body is a stream can be read once only: never shared.
const STREAMED = new Set(["GetObjectCommand"]);

interface Sender {
  send(command: unknown, ...rest: unknown[]): Promise<unknown>;
}

/** `clients` whose read commands are shared by identical requests made through them. */
export function sharingReads(clients: AwsClients): AwsClients {
  const inFlight = new Map<string, Promise<unknown>>();
  const share = <C extends object>(service: string, client: C): C =>
    new Proxy(client, {
      get(target, property, receiver) {
        const value: unknown = Reflect.get(target, property, receiver);
        if (property !== "send" || typeof value !== "function") return value;
        const send = (value as Sender["send"]).bind(target);
        return (
          command: { constructor: { name: string }; input?: unknown },
          ...rest: unknown[]
        ) => {
          const name = command.constructor.name;
          // Extra arguments (abort signals, callbacks) make a call unlike any other.
          if (!READ_COMMAND.test(name) || STREAMED.has(name) || rest.length > 0)
            return send(command, ...rest);
          const key = `${service}:${name}:${canonicalJson(command.input ?? {})}`;
          let pending = inFlight.get(key);
          if (pending === undefined) {
            pending = send(command);
            inFlight.set(key, pending);
          }
          return pending;
        };
      },
    });
  return mapClients(clients, share);
}
