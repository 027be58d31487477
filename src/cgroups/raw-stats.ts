// What the per-version readers return: CgroupStats before block devices are named.
import type { CgroupStats, DeviceIo } from './types.js';

export type RawDeviceIo = Omit<DeviceIo, 'device'>;

export interface RawStats extends Omit<CgroupStats, 'io'> {
  readonly io: readonly RawDeviceIo[];
}
