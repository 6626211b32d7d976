import { test } from "node:test";
import assert from "node:assert/strict";
import { certificateFingerprint, colonFingerprint, normalizeTlsFingerprint } from "./tls-fingerprint.js";

const HEX = "9f1cb6d7f16bd7b8d59e3c710fa3b622ad0e2e23ca0c50f1ebea47cb856e87dc";
const COLON = "9F:1C:B6:D7:F1:6B:D7:B8:D5:9E:3C:71:0F:A3:B6:22:AD:0E:2E:23:CA:0C:50:F1:EB:EA:47:CB:85:6E:87:DC";

test("pin normalisation: the usual spellings of one SHA-256 fingerprint", () => {
  const table: [string, string | undefined][] = [
    [HEX, HEX],
    [HEX.toUpperCase(), HEX],
    [COLON, HEX],
    [COLON.toLowerCase(), HEX],
    [`sha256:${HEX}`, HEX],
    [`SHA256:${COLON}`, HEX],
    [`sha-256:${HEX}`, HEX],
    [`Sha256: ${COLON}`, HEX],
    [`  ${HEX}\n`, HEX],
    // refused, not guessed at
    ["", undefined],
    ["   ", undefined],
    [HEX.slice(0, 62), undefined], // 31 bytes
    [HEX + "00", undefined], // 33 bytes
    [HEX.slice(0, 40), undefined], // a SHA-1
    [HEX.replace("9f", "9g"), undefined], // not hex
    [COLON.replace(":", ""), undefined], // mixed colon/no-colon
    [COLON.replaceAll(":", " "), undefined], // spaces
    [COLON.replaceAll(":", "-"), undefined], // dashes
    [`:${COLON}`, undefined],
    [`${COLON}:`, undefined],
    [`sha1:${HEX}`, undefined],
    [`md5:${HEX}`, undefined],
    [`sha256:sha256:${HEX}`, undefined],
  ];
  for (const [input, expected] of table) assert.equal(normalizeTlsFingerprint(input), expected, JSON.stringify(input));
  assert.equal(normalizeTlsFingerprint(undefined), undefined);
  assert.equal(normalizeTlsFingerprint(null), undefined);
});

test("fingerprint of DER bytes and the colon form round-trip through normalisation", () => {
  const fp = certificateFingerprint(Buffer.from("not really a certificate"));
  assert.match(fp, /^[0-9a-f]{64}$/);
  assert.equal(colonFingerprint(HEX), COLON);
  assert.equal(normalizeTlsFingerprint(colonFingerprint(fp)), fp);
});
