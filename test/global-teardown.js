// SPDX-License-Identifier: Apache-2.0
export default async function globalTeardown() {
  await globalThis.__FREEZER_EMBEDDED__?.stop();
  await globalThis.__FREEZER_DROP_DATABASE__?.();
}
