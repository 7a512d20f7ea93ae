// The contract's versions (info.version and the names in openapi/released/): MAJOR.MINOR.PATCH
// numbers only, so that "higher" and "a new major" have one meaning.
export interface Version {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

export function parseVersion(text: string): Version | undefined {
  const match = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/.exec(text);
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) };
}

/** Negative when a < b, 0 when equal, positive when a > b; both must parse. */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  if (x === undefined || y === undefined) throw new Error(`not a MAJOR.MINOR.PATCH version: ${x === undefined ? a : b}`);
  return x.major - y.major || x.minor - y.minor || x.patch - y.patch;
}
