/**
 * @module Byte layout of energy-balance-model ensemble units (kernel `ebm`, layout 1), shared
 * by the splitter on the edge, the kernel, the references and the assimilator.
 *
 * Input, little-endian:
 *   u32 layout (=1) | u32 cells N | u32 members m | u32 maxSteps | u32 flags | u32 0
 *   f64 dt (years) | f64 heat capacity C (W yr m⁻² K⁻¹) | f64 tolerance (W m⁻²)
 *   f64 s2 (insolation P2 coefficient) | f64 a2 (ice-free albedo P2 coefficient)
 *   f64 albedo ramp half-width w (K, 0 = a step at the freezing temperature)
 *   m × 9 f64 member parameters, member-major, in {@link EBM_MEMBER_PARAMS} order
 * flags: bit 0 = ice-albedo feedback on, bit 1 = temperature profiles in the output.
 * Output, little-endian f64:
 *   m × 5 diagnostics per member, {@link EBM_DIAGNOSTIC_NAMES} order;
 *   then, with bit 1, m × N temperatures (°C) at the cell centres x_i = (i + ½)/N.
 * Every NaN in the output is the canonical quiet NaN (see abi.ts).
 */

export const EBM_LAYOUT = 1;
export const EBM_HEADER_BYTES = 72;
export const EBM_FLAG_ICE = 1;
export const EBM_FLAG_PROFILE = 2;

/** The parameters of one member, in their order in the input. */
export const EBM_MEMBER_PARAMS = [
  /** Outgoing long-wave radiation at 0 °C, W m⁻² (OLR = A + B·T). */
  'a',
  /** OLR increase per kelvin, W m⁻² K⁻¹. */
  'b',
  /** Meridional heat diffusion, W m⁻² K⁻¹. */
  'd',
  /** Solar constant S0, W m⁻² (the mean insolation is S0/4). */
  'solar',
  /** Albedo of ice-free surface at the mean (its latitude dependence is the unit's a2·P2(x)). */
  'albedoWarm',
  /** Albedo of ice-covered surface. */
  'albedoIce',
  /** Temperature below which the surface is ice, °C. */
  'tFreeze',
  /** Extra radiative forcing, W m⁻² (e.g. 3.7 for doubled CO2). */
  'forcing',
  /** Uniform initial temperature, °C (a cold start may end in a snowball). */
  'tInit',
] as const;
export type EbmMemberParam = (typeof EBM_MEMBER_PARAMS)[number];
export type EbmMember = Record<EbmMemberParam, number>;
export const EBM_PARAMS_PER_MEMBER = EBM_MEMBER_PARAMS.length;

/** What the kernel writes per member. */
export const EBM_DIAGNOSTIC_NAMES = ['meanT', 'iceEdgeX', 'status', 'steps', 'residual'] as const;
export const EBM_DIAGNOSTICS = EBM_DIAGNOSTIC_NAMES.length;
/** `status` values: reached equilibrium, ran out of steps, or blew up (a non-finite mean). */
export const EBM_STATUS = { converged: 1, notConverged: 0, diverged: -1 } as const;

/** The numbers an EBM unit is made of. */
export interface EbmUnitInput {
  cells: number;
  maxSteps: number;
  ice: boolean;
  profile: boolean;
  dt: number;
  heatCapacity: number;
  tolerance: number;
  s2: number;
  albedoP2: number;
  rampWidth: number;
  members: EbmMember[];
}

/** One member's decoded output. */
export interface EbmMemberOutput {
  /** Area-weighted global-mean temperature, °C. */
  meanT: number;
  /** sin(latitude) of the ice edge: 1 with no ice, 0 for a snowball. */
  iceEdgeX: number;
  status: number;
  steps: number;
  /** Largest |C·dT/dt| of the last step, W m⁻². */
  residual: number;
  /** Temperatures at the cell centres, when the unit asked for profiles. */
  profile?: Float64Array;
}

export function ebmInputBytes(m: number): number {
  return EBM_HEADER_BYTES + 8 * EBM_PARAMS_PER_MEMBER * m;
}

export function ebmOutputBytes(cells: number, m: number, profile: boolean): number {
  return 8 * m * (EBM_DIAGNOSTICS + (profile ? cells : 0));
}

export function encodeEbmInput(u: EbmUnitInput): Uint8Array {
  const bytes = new Uint8Array(ebmInputBytes(u.members.length));
  const view = new DataView(bytes.buffer);
  view.setUint32(0, EBM_LAYOUT, true);
  view.setUint32(4, u.cells, true);
  view.setUint32(8, u.members.length, true);
  view.setUint32(12, u.maxSteps, true);
  view.setUint32(16, (u.ice ? EBM_FLAG_ICE : 0) | (u.profile ? EBM_FLAG_PROFILE : 0), true);
  view.setUint32(20, 0, true);
  [u.dt, u.heatCapacity, u.tolerance, u.s2, u.albedoP2, u.rampWidth].forEach((v, i) => view.setFloat64(24 + 8 * i, v, true));
  u.members.forEach((m, j) => {
    EBM_MEMBER_PARAMS.forEach((name, k) => view.setFloat64(EBM_HEADER_BYTES + 8 * (j * EBM_PARAMS_PER_MEMBER + k), m[name], true));
  });
  return bytes;
}

export function decodeEbmInput(bytes: Uint8Array): EbmUnitInput {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < EBM_HEADER_BYTES || view.getUint32(0, true) !== EBM_LAYOUT) throw new RangeError('not an EBM layout 1 input');
  const m = view.getUint32(8, true);
  if (bytes.byteLength !== ebmInputBytes(m)) throw new RangeError('EBM input has the wrong size');
  const flags = view.getUint32(16, true);
  const f = (at: number) => view.getFloat64(at, true);
  const members: EbmMember[] = [];
  for (let j = 0; j < m; j++) {
    const member = {} as EbmMember;
    EBM_MEMBER_PARAMS.forEach((name, k) => (member[name] = f(EBM_HEADER_BYTES + 8 * (j * EBM_PARAMS_PER_MEMBER + k))));
    members.push(member);
  }
  return {
    cells: view.getUint32(4, true),
    maxSteps: view.getUint32(12, true),
    ice: (flags & EBM_FLAG_ICE) !== 0,
    profile: (flags & EBM_FLAG_PROFILE) !== 0,
    dt: f(24),
    heatCapacity: f(32),
    tolerance: f(40),
    s2: f(48),
    albedoP2: f(56),
    rampWidth: f(64),
    members,
  };
}

/** True on little-endian hosts (all this project runs on), where outputs can be viewed, not parsed. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes a unit's output, given its shape. */
export function decodeEbmOutput(bytes: Uint8Array, cells: number, m: number, profile: boolean): EbmMemberOutput[] {
  if (bytes.byteLength !== ebmOutputBytes(cells, m, profile)) throw new RangeError('EBM output has the wrong size');
  let values: Float64Array;
  if (LITTLE_ENDIAN) {
    // One copy into an aligned buffer (a database row's bytes may start anywhere), then a view.
    values = new Float64Array(bytes.slice().buffer);
  } else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    values = Float64Array.from({ length: bytes.byteLength / 8 }, (_, i) => view.getFloat64(8 * i, true));
  }
  const out: EbmMemberOutput[] = [];
  for (let j = 0; j < m; j++) {
    const d = j * EBM_DIAGNOSTICS;
    const member: EbmMemberOutput = { meanT: values[d]!, iceEdgeX: values[d + 1]!, status: values[d + 2]!, steps: values[d + 3]!, residual: values[d + 4]! };
    if (profile) {
      const at = m * EBM_DIAGNOSTICS + j * cells;
      member.profile = values.subarray(at, at + cells);
    }
    out.push(member);
  }
  return out;
}
