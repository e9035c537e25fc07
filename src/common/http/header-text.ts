// SPDX-License-Identifier: Apache-2.0
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const NON_ASCII = /[\u0080-\u00ff]/;

// Node hands header values over as latin1, one character per byte. Clients and gateways
// (curl, python-requests, keystonemiddleware) send UTF-8 bytes, so "Zoë" arrives as "ZoÃ«":
// read the bytes again as UTF-8. A value that is not valid UTF-8 keeps its latin1 reading,
// which is all such a client can have meant.
export function headerText(value: string): string {
  if (!NON_ASCII.test(value)) return value;
  try {
    return UTF8.decode(Buffer.from(value, 'latin1'));
  } catch {
    return value;
  }
}
