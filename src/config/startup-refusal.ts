// SPDX-License-Identifier: Apache-2.0

// A reason not to start that the operator can act on (a bad setting, a data directory in use, a
// database not migrated): main.ts prints its message alone, without a stack.
export class StartupRefusal extends Error {}
