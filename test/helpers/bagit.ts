// An independent BagIt validator for the archive tests: bagit-tools' verify (npm, not evidock code;
// checked by its authors against the Library of Congress conformance suite). It checks bagit.txt,
// every manifest and tag manifest entry's checksum, and that the payload manifest lists exactly
// the files under data/. Debian bookworm packages no BagIt validator (no python3-bagit, no
// Archive::BagIt) and PyPI is out of reach here, so this is the one installable (package.json).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

interface TapResult { type: string; ok?: boolean; name?: string }
type Verify = (dir: string, opts: { version: string; test: boolean }, cb: (err: Error | null, valid: boolean, results: TapResult[]) => void) => void;

/** Why the validator cannot run here, or undefined when it can (for test/helpers/require.ts). */
export function noBagitValidator(): string | undefined {
  try {
    require.resolve('bagit-tools');
    require.resolve('tape'); // bagit-tools loads it at run time but lists it only as a dev dependency
    return undefined;
  } catch {
    return 'the npm package bagit-tools (or tape) is not installed (npm ci)';
  }
}

/** Validates the bag in dir as BagIt 1.0; `failed` names each check that did not pass. */
export function validateBag(dir: string): Promise<{ valid: boolean; passed: string[]; failed: string[] }> {
  const verify = (require('bagit-tools') as { verify: Verify }).verify;
  return new Promise((resolve, reject) => {
    verify(dir, { version: '1.0', test: true }, (err, valid, results) => {
      if (err) { reject(err); return; }
      const asserts = results.filter((r) => r.type === 'assert');
      resolve({ valid, passed: asserts.filter((r) => r.ok).map((r) => r.name ?? ''), failed: asserts.filter((r) => !r.ok).map((r) => r.name ?? '') });
    });
  });
}
