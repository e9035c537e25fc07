// SPDX-License-Identifier: Apache-2.0
// Patterns from freezer's common/json_schemas.py (ASCII \w, as ajv and D14 allow).

export const ID_PATTERN = '^[\\w-]+$';

// `<project>_<fqdn>` with an optional, greedy project prefix (§8.2.4).
const LABEL = '(?!-)[A-Za-z0-9-]{1,63}(?<!-)';
export const CLIENT_ID_PATTERN = `^(?:([\\w\\-]+)_)?${LABEL}(?:\\.${LABEL})*$`;

// freezer applies its hostname pattern unanchored: any string with a letter or digit passes.
export const HOSTNAME_PATTERN = '[A-Za-z0-9]';
