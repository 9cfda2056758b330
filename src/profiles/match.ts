// Which profile claims a docked camera. A profile's rules are checked against what the dock saw
// (USB ids, vendor/model strings, volume label, files in the root): every rule given must hold
// for the facts that were observed, and at least one given rule must have been observed. Rules
// on facts a dock cannot observe are skipped, so a camera image on a loop device (no USB ids) is
// still recognised by its label or marker file. Of the matching profiles, the one with the
// strongest evidence wins (USB ids, then a marker file, …, a label pattern last); ties: the first.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Profile } from '../config/schema.js';
import { compilePattern } from './pattern.js';

export interface DockFacts {
  usbVid?: string | undefined;
  usbPid?: string | undefined;
  vendor?: string | undefined;
  model?: string | undefined;
  label?: string | undefined;
  /** Mounted volume root: marker files are looked up here. */
  root?: string | undefined;
}

export type RuleName = 'usb' | 'vendor' | 'model' | 'labelPattern' | 'markerFile';
export interface RuleResult { rule: RuleName; observed: boolean; ok: boolean }

// Case-insensitive: hosts and firmware disagree about the case of vendor strings and labels.
const re = (src: string) => compilePattern(src, { ignoreCase: true });

/**
 * Pure: evaluates each rule of a profile. `hasMarker` answers whether the marker file exists
 * (undefined: not looked up, i.e. no root).
 */
export function evaluateRules(profile: Profile, facts: DockFacts, hasMarker?: boolean): RuleResult[] {
  const m = profile.match;
  const out: RuleResult[] = [];
  if (m.usb.length > 0) {
    const observed = !!facts.usbVid && !!facts.usbPid;
    const ok = observed && m.usb.some((u) => u.vid.toLowerCase() === facts.usbVid!.toLowerCase()
      && u.pid.toLowerCase() === facts.usbPid!.toLowerCase());
    out.push({ rule: 'usb', observed, ok });
  }
  const text = (rule: RuleName, pattern: string | undefined, value: string | undefined) => {
    if (pattern === undefined) return;
    const observed = value !== undefined && value !== '';
    out.push({ rule, observed, ok: observed && re(pattern).test(value.trim()) });
  };
  text('vendor', m.vendor, facts.vendor);
  text('model', m.model, facts.model);
  text('labelPattern', m.labelPattern, facts.label);
  if (m.markerFile !== undefined) out.push({ rule: 'markerFile', observed: hasMarker !== undefined, ok: hasMarker === true });
  return out;
}

/** Pure: the matching rule of DockFacts over evaluated rules. */
export function rulesMatch(results: RuleResult[]): boolean {
  const observed = results.filter((r) => r.observed);
  return observed.length > 0 && observed.every((r) => r.ok);
}

/** A regular file named `name` in `root`; FAT is case-insensitive, so a differently cased name counts. */
export async function markerExists(root: string, name: string): Promise<boolean> {
  if (name.split(/[\\/]/).includes('..')) return false;
  const st = await fs.lstat(path.join(root, name)).catch(() => undefined);
  if (st) return st.isFile();
  if (name.includes('/')) return false;
  const entries = await fs.readdir(root, { withFileTypes: true }).catch(() => []);
  return entries.some((e) => e.isFile() && e.name.toLowerCase() === name.toLowerCase());
}

export async function profileMatches(profile: Profile, facts: DockFacts): Promise<boolean> {
  const marker = profile.match.markerFile;
  const hasMarker = marker !== undefined && facts.root !== undefined ? await markerExists(facts.root, marker) : undefined;
  return rulesMatch(evaluateRules(profile, facts, hasMarker));
}

/**
 * How strongly matched rules identify a camera model: USB ids and a marker file are specific, a
 * label pattern is not (a generic camera whose label happens to look like a device id must not
 * be taken for a labelled camera: seen in the benchmark, every file then went to ffprobe).
 */
const RULE_WEIGHT: Record<RuleName, number> = { usb: 4, markerFile: 3, vendor: 2, model: 2, labelPattern: 1 };

/** Pure: the evidence behind a match (0 when the rules do not match). */
export function matchStrength(results: RuleResult[]): number {
  if (!rulesMatch(results)) return 0;
  return results.filter((r) => r.observed && r.ok).reduce((s, r) => s + RULE_WEIGHT[r.rule], 0);
}

/** The matching profile with the strongest evidence (the first of equals), or undefined (an unknown camera). */
export async function matchProfile(profiles: readonly Profile[], facts: DockFacts): Promise<Profile | undefined> {
  let best: { profile: Profile; strength: number } | undefined;
  for (const p of profiles) {
    const marker = p.match.markerFile;
    const hasMarker = marker !== undefined && facts.root !== undefined ? await markerExists(facts.root, marker) : undefined;
    const strength = matchStrength(evaluateRules(p, facts, hasMarker));
    if (strength > (best?.strength ?? 0)) best = { profile: p, strength };
  }
  return best?.profile;
}
