/**
 * Global setup for mutation testing: Stryker starts one Jest run per mutant in the same sandbox, so the
 * handlers are bundled by the first run only and every later run reuses the zips already in `.build/`.
 */
import { PREBUILT_BUNDLES_ENV } from "../../stacks/constructs/bundled-handler";
import globalSetup from "../global-setup";

export default function strykerGlobalSetup(): void {
  process.env[PREBUILT_BUNDLES_ENV] = "1";
  globalSetup();
}
