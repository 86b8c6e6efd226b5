/**
 * Exact decimal arithmetic on strings, for money and other `numeric` values.
 *
 * Postgres returns `numeric` as text; summing those as JS numbers loses cents
 * past 2^53 and rounds on the way. Here a decimal is a scaled bigint, so sums
 * are exact at any size and any scale.
 */

const DECIMAL = /^([+-])?(\d+)(?:\.(\d*))?$|^([+-])?\.(\d+)$/;

interface Scaled {
  units: bigint;
  scale: number;
}

function parse(value: string): Scaled {
  const m = DECIMAL.exec(value.trim());
  if (!m) throw new TypeError(`not a decimal number: ${JSON.stringify(value)}`);
  const sign = m[1] ?? m[4];
  const whole = m[2] ?? "0";
  const frac = m[3] ?? m[5] ?? "";
  const units = BigInt(whole + frac);
  return { units: sign === "-" ? -units : units, scale: frac.length };
}

function rescale(x: Scaled, scale: number): bigint {
  return x.units * 10n ** BigInt(scale - x.scale);
}

function format(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, "0");
  const body = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${body}` : body;
}

/**
 * Adds decimal strings exactly. The result keeps the largest scale among the
 * inputs, so `"1.50" + "2"` is `"3.50"`.
 *
 * @example addDecimal("0.10", "0.20") // "0.30"
 */
export function addDecimal(...values: string[]): string {
  const parsed = values.map(parse);
  const scale = parsed.reduce((s, p) => Math.max(s, p.scale), 0);
  const total = parsed.reduce((sum, p) => sum + rescale(p, scale), 0n);
  return format(total, scale);
}

/**
 * Compares two decimal strings: negative, zero or positive like a sort
 * comparator.
 */
export function compareDecimal(a: string, b: string): number {
  const pa = parse(a);
  const pb = parse(b);
  const scale = Math.max(pa.scale, pb.scale);
  const d = rescale(pa, scale) - rescale(pb, scale);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}

/**
 * A running exact sum, for adding many values (e.g. rows pulled to the
 * client) without re-parsing the total each time.
 *
 * @example const s = new DecimalSum(2); s.add("1.10"); s.add("2.2"); s.toString() // "3.30"
 */
export class DecimalSum {
  private units = 0n;
  constructor(private scale = 0) {}

  add(value: string): void {
    const p = parse(value);
    if (p.scale > this.scale) {
      this.units *= 10n ** BigInt(p.scale - this.scale);
      this.scale = p.scale;
    }
    this.units += rescale(p, this.scale);
  }

  toString(): string {
    return format(this.units, this.scale);
  }
}
