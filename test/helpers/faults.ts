// The one line every fault test prints per fault kind, collected by scripts/fault-suite.sh:
// FAULT-SUMMARY {"kind":"<kind>","rounds":N,"landedMidCopy":N,"lost":N,"duplicated":N}
export interface FaultSummary {
  kind: string;
  rounds: number;
  /** Faults that struck while a copy was in flight (proved, not assumed). */
  landedMidCopy: number;
  lost: number;
  duplicated: number;
}

export function faultSummary(s: FaultSummary): void {
  const { kind, rounds, landedMidCopy, lost, duplicated } = s; // fixed key order
  console.log(`FAULT-SUMMARY ${JSON.stringify({ kind, rounds, landedMidCopy, lost, duplicated })}`);
}
