import { describe, expect, it } from "vitest";
import { ID_PATTERN, MAX_ID, parseId } from "./ids.ts";

describe("parseId", () => {
  it("accepts exactly 1..2147483647 in plain decimal", () => {
    expect(parseId("1")).toBe(1);
    expect(parseId("2147483647")).toBe(MAX_ID);
    for (const text of ["", "0", "01", "-1", "+1", "1.0", "1.5", "1e3", " 1", "1 ", "abc", "2147483648"]) {
      expect(parseId(text), JSON.stringify(text)).toBeUndefined();
    }
    expect(parseId("99999999999")).toBeUndefined();
  });

  it("agrees with the pattern around every digit of the largest id", () => {
    const max = String(MAX_ID);
    for (let i = 0; i < max.length; i += 1) {
      for (const digit of "0123456789") {
        const text = `${max.slice(0, i)}${digit}${max.slice(i + 1)}`;
        const valid = /^[1-9][0-9]*$/.test(text) && Number(text) <= MAX_ID;
        expect(ID_PATTERN.test(text), text).toBe(valid);
        expect(parseId(text), text).toBe(valid ? Number(text) : undefined);
      }
    }
  });
});
