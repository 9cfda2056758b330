// Test helper: builds the native probes and writes camera state dirs for libzfy-sim.so.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const NATIVE = path.join(ROOT, 'native-probes');
export const PROBE = path.join(NATIVE, 'build/zfy-probe');
/** 94-byte ZFY_INFO, int *iRet, plus evidock's GetDevTime extension. */
export const SIM_LIB = path.join(NATIVE, 'build/libzfy-sim.so');
/** As the public headers: 94-byte ZFY_INFO, int *iRet, no clock getter. */
export const SIM_LIB_NOTIME = path.join(NATIVE, 'build/libzfy-sim-notime.so');
/** 89-byte ZFY_INFO (7/6/32/12/32), no clock getter, Uninit_Device spelled so. */
export const SIM_LIB_89 = path.join(NATIVE, 'build/libzfy-sim-89.so');
/** short *iRet, no clock getter. */
export const SIM_LIB_IRET16 = path.join(NATIVE, 'build/libzfy-sim-iret16.so');
/** The handle-based BC_GetDevTime instead of GetDevTime. */
export const SIM_LIB_BC = path.join(NATIVE, 'build/libzfy-sim-bc.so');

export function buildProbes(): void {
  execFileSync('make', ['-s', '-C', NATIVE], { stdio: ['ignore', 'inherit', 'inherit'] });
}

export const DEFAULT_STATE: Record<string, string | number> = {
  serial: 'ABC1234', badge: '000123', name: '张三', unitNo: '330100000001', unitName: '某某县市场监督管理局',
  password: '000000', clockOffset: 0, battery: 87, width: 1920, height: 1080, msdc: 0, hang: 0,
};

/** A camera state dir in os.tmpdir(); the caller removes it with fs.rmSync(dir, {recursive:true}). */
export function makeCamera(overrides: Record<string, string | number> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-zfy-'));
  const state = { ...DEFAULT_STATE, ...overrides };
  fs.writeFileSync(path.join(dir, 'zfy-state.ini'), Object.entries(state).map(([k, v]) => `${k}=${v}\n`).join(''));
  return dir;
}

export function readState(dir: string): Record<string, string> {
  const text = fs.readFileSync(path.join(dir, 'zfy-state.ini'), 'utf8');
  return Object.fromEntries(text.split('\n').filter((l) => l.includes('=')).map((l) => {
    const i = l.indexOf('=');
    return [l.slice(0, i), l.slice(i + 1)];
  }));
}
