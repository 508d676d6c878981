// `npm run build`: writes every bundle (see bundles.mjs). Committed, and checked in npm test.
import { buildBundles } from "./bundles.mjs";

await buildBundles({ write: true });
