// Local AWS emulator for tests, the demo and users: see emulator/README.md.
export {
  EMULATOR_ACCESS_KEY,
  EMULATOR_REGION,
  EmulatorControl,
  emulatorEnv,
  type EndpointStatus,
  type FaultOperation,
  type FaultOptions,
  type FaultsByOperation,
} from "./control.js";
export {
  Emulator,
  findLauncher,
  MOTO_INSTALL_HINT,
  READY_PREFIX,
  setupEmulatorPython,
  startEmulator,
  type StartEmulatorOptions,
} from "./launch.js";
export { serveFunctionLocally, type LocalFunction, type LocalHandler } from "./local-function.js";
export { isReadOnlyOperation, parseRecording, type RecordedRequest } from "./recording.js";
