// Harness behaviour that needs no booted guest: QEMU failures surface with QEMU's own words,
// and nothing is left running.
import fs from 'node:fs';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { canStartQemu, startGuest } from './harness/index.js';
import { skipUnless } from '../helpers/require.js';

const can = canStartQemu();
const noQemu = skipUnless('usb test-bed harness', can.ok ? undefined : can.reason);

describe.skipIf(noQemu)('usb test-bed harness', () => {
  it('reports an early QEMU exit with its message and cleans up', async () => {
    const before = new Set(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('evidock-usb-')));
    await expect(startGuest({ extraQemuArgs: ['-device', 'no-such-device'] }))
      .rejects.toThrow(/'no-such-device' is not a valid device model name/);
    const after = fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith('evidock-usb-') && !before.has(n));
    expect(after).toEqual([]);
  });
});
